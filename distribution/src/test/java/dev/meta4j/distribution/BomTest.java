package dev.meta4j.distribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * {@code meta4j-bom} stays true to the build: it manages every public module at the project's
 * version, and each library it manages at the version this build resolves (and the distribution
 * ships in {@code lib/}). The BOM has no parent, so nothing else keeps its literal versions in step.
 */
class BomTest {

    private static final Path ROOT = Path.of(System.getProperty("basedir", "."), "..").normalize();

    /** Modules that are not artifacts a third party depends on. */
    private static final Set<String> NOT_PUBLIC = Set.of("meta4j-distribution", "meta4j-bom");

    private record Managed(String groupId, String artifactId, String version) {}

    @Test
    void theBomManagesEveryPublicModuleAndTheVersionsThisBuildUses() throws Exception {
        Document bom = parse(ROOT.resolve("bom/pom.xml"));
        Document parent = parse(ROOT.resolve("pom.xml"));
        String projectVersion = child(parent.getDocumentElement(), "version");
        assertEquals(projectVersion, child(bom.getDocumentElement(), "version"), "the BOM's version is the project's");

        List<Managed> managed = new ArrayList<>();
        Element dm = (Element) bom.getElementsByTagName("dependencyManagement").item(0);
        NodeList deps = dm.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            managed.add(new Managed(child(d, "groupId"), child(d, "artifactId"), child(d, "version")));
        }

        Set<String> publicModules = new TreeSet<>();
        NodeList modules = parent.getElementsByTagName("module");
        for (int i = 0; i < modules.getLength(); i++) {
            String artifact = child(parse(ROOT.resolve(modules.item(i).getTextContent().strip()).resolve("pom.xml"))
                    .getDocumentElement(), "artifactId");
            if (!NOT_PUBLIC.contains(artifact)) {
                publicModules.add(artifact);
            }
        }
        Set<String> managedModules = new TreeSet<>();
        List<String> problems = new ArrayList<>();
        String classpath = System.getProperty("java.class.path");
        for (Managed m : managed) {
            if (m.groupId().equals("dev.meta4j")) {
                managedModules.add(m.artifactId());
                if (!m.version().equals("${project.version}")) {
                    problems.add(m + ": a meta4j artifact is managed at ${project.version}");
                }
                continue;
            }
            String jar = File.separator + m.groupId().replace('.', File.separatorChar) + File.separator + m.artifactId()
                    + File.separator + m.version() + File.separator + m.artifactId() + "-" + m.version() + ".jar";
            boolean resolved = false;
            for (String entry : classpath.split(File.pathSeparator)) {
                resolved |= entry.endsWith(jar);
            }
            if (!resolved) {
                problems.add(m + ": this build resolves another version (or none) of " + m.groupId() + ":" + m.artifactId()
                        + "; change bom/pom.xml to the version the root pom.xml manages");
            }
        }
        if (!managedModules.equals(publicModules)) {
            problems.add("the BOM manages " + managedModules + ", the public modules are " + publicModules);
        }
        assertTrue(managed.stream().anyMatch(m -> m.groupId().equals("ai.djl") && m.artifactId().equals("api")),
                "the DJL api that meta4j-api exposes is managed");
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    private static Document parse(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    /** The text of an element's direct child (not of a nested {@code <parent>}). */
    private static String child(Element e, String name) {
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c && c.getTagName().equals(name)) {
                return c.getTextContent().strip();
            }
        }
        throw new AssertionError("<" + e.getTagName() + "> has no <" + name + ">");
    }
}
