package dev.meta4j.runtime.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import dev.meta4j.runtime.config.ConfigError.Problem;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Parses a config file and its {@code include}s, stricter than HOCON: an include names a file
 * relative to the including file (or, failing that, a bundled example config), and a missing one
 * is an error naming the file and the line of the include, {@code required(...)} or not, because a
 * misspelt include would otherwise silently change the experiment. A cycle is reported once, as
 * the chain of files. Typesafe Config's own messages for both name the classpath or dump fifty
 * nested parsers.
 */
final class Includes implements ConfigIncluder, ConfigIncluderFile {

    /** A file or bundled resource being parsed. */
    private record Source(String name, Path file, String resource) {
        boolean sameAs(Source other) {
            return file != null ? file.equals(other.file) : resource.equals(other.resource);
        }

        String text(ClassLoader loader) {
            try {
                if (file != null) {
                    return Files.readString(file, StandardCharsets.UTF_8);
                }
                try (InputStream in = loader.getResourceAsStream(resource)) {
                    return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            } catch (IOException e) {
                return "";
            }
        }
    }

    private final ClassLoader loader;
    private final String bundledPrefix;
    private final Deque<Source> parsing = new ArrayDeque<>();

    Includes(ClassLoader loader, String bundledPrefix) {
        this.loader = loader;
        this.bundledPrefix = bundledPrefix;
    }

    /** Parses a file and what it includes. */
    Config parseFile(Path file) {
        return parse(new Source(file.toString(), file.toAbsolutePath().normalize(), null));
    }

    /** Parses a classpath resource and what it includes. */
    Config parseResource(String resource) {
        return parse(new Source("classpath:" + resource, null, resource));
    }

    private ConfigParseOptions options() {
        return ConfigParseOptions.defaults().setAllowMissing(false).setClassLoader(loader).setIncluder(this);
    }

    private Config parse(Source source) {
        parsing.push(source);
        try {
            return source.file() != null
                    ? ConfigFactory.parseFile(source.file().toFile(), options())
                    : ConfigFactory.parseResources(source.resource(), options());
        } finally {
            parsing.pop();
        }
    }

    @Override
    public ConfigIncluder withFallback(ConfigIncluder fallback) {
        return this; // every include form we accept is handled here
    }

    @Override
    public ConfigObject include(ConfigIncludeContext context, String what) {
        return resolve(what).root();
    }

    @Override
    public ConfigObject includeFile(ConfigIncludeContext context, File what) {
        return resolve(what.getPath()).root();
    }

    private Config resolve(String what) {
        Source from = parsing.peek();
        Path asFile = Path.of(what);
        if (!asFile.isAbsolute() && from != null && from.file() != null) {
            asFile = from.file().resolveSibling(what);
        }
        if (asFile.isAbsolute() || (from != null && from.file() != null)) {
            if (Files.isRegularFile(asFile)) {
                return included(from, what, new Source(asFile.toString(), asFile.toAbsolutePath().normalize(), null));
            }
        }
        String resource = from != null && from.resource() != null
                ? from.resource().substring(0, from.resource().lastIndexOf('/') + 1) + what : bundledPrefix + what;
        if (loader.getResource(resource) != null) {
            return included(from, what, new Source("classpath:" + resource, null, resource));
        }
        String where = from == null ? "(config)" : from.name() + lineOf(from, what);
        String looked = from != null && from.file() != null ? asFile.toString() : "classpath:" + resource;
        throw new ConfigError(new Problem(where, "include \"" + what + "\"",
                "no such file: " + looked + (Files.isDirectory(asFile) ? " is a folder" : "")
                        + ", and no bundled example config of that name. Fix the name, or remove the include"));
    }

    private Config included(Source from, String what, Source target) {
        if (parsing.stream().anyMatch(target::sameAs)) {
            List<String> chain = new ArrayList<>();
            parsing.descendingIterator().forEachRemaining(s -> chain.add(s.name()));
            chain.add(target.name());
            throw new ConfigError(new Problem(from.name() + lineOf(from, what), "include \"" + what + "\"",
                    "include cycle: " + String.join(" -> ", chain) + "; remove one of these includes"));
        }
        return parse(target);
    }

    /** The line of the include statement, found in the including file's text, as {@code ":N"}. */
    private String lineOf(Source from, String what) {
        Pattern include = Pattern.compile("\\binclude\\s+(required\\s*\\(\\s*)?(file\\s*\\(\\s*)?\"" + Pattern.quote(what) + "\"");
        String[] lines = from.text(loader).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (include.matcher(lines[i]).find()) {
                return ":" + (i + 1);
            }
        }
        return "";
    }
}
