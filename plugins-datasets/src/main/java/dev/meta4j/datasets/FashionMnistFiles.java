package dev.meta4j.datasets;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fashion-MNIST's IDX files (Xiao et al. 2017) as Debian's {@code dataset-fashion-mnist} installs
 * them: {@code <prefix>-images-idx3-ubyte} and {@code <prefix>-labels-idx1-ubyte}, plain or
 * gzipped, for the prefixes {@code train} (60,000 images) and {@code t10k} (10,000). Shared by
 * the datasets built on Fashion-MNIST; every problem names the file and how to install the data.
 */
final class FashionMnistFiles {

    /** Side of an image. */
    static final int SIDE = 28;
    /** Classes of the labels. */
    static final int CLASSES = 10;

    static final String INSTALL_HINT = "install the data with `apt-get install dataset-fashion-mnist`"
            + " (Debian; it fills /usr/share/datasets/fashion-mnist) or set the dataset.root key to a folder"
            + " holding train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and"
            + " t10k-labels-idx1-ubyte (each plain or .gz)";

    /**
     * The images ({@code count * 28 * 28} bytes, row-major) and labels ({@code count} bytes in
     * [0, 10)) of one pair of files.
     *
     * @param images the pixels, read with {@code & 0xff}
     * @param labels the labels
     */
    record Source(byte[] images, byte[] labels) {
        /** @return the number of images */
        int count() {
            return labels.length;
        }
    }

    private FashionMnistFiles() {}

    /**
     * Reads and checks one pair of files.
     *
     * @param root the folder
     * @param prefix {@code train} or {@code t10k}
     * @return the images and labels
     * @throws IllegalArgumentException naming the folder or file, the problem, and the Debian package
     */
    static Source load(Path root, String prefix) {
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("Fashion-MNIST folder " + root + " does not exist; " + INSTALL_HINT);
        }
        Path imagesPath;
        Path labelsPath;
        try {
            imagesPath = IdxFile.locate(root, prefix + "-images-idx3-ubyte");
            labelsPath = IdxFile.locate(root, prefix + "-labels-idx1-ubyte");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + "; " + INSTALL_HINT, e);
        }
        IdxFile images = IdxFile.read(imagesPath, 3);
        IdxFile labels = IdxFile.read(labelsPath, 1);
        int[] d = images.dims();
        if (d[1] != SIDE || d[2] != SIDE) {
            throw new IllegalArgumentException(imagesPath + ": images are " + d[1] + "×" + d[2] + ", expected "
                    + SIDE + "×" + SIDE + " (Fashion-MNIST)");
        }
        if (images.count() != labels.count()) {
            throw new IllegalArgumentException(imagesPath + " holds " + images.count() + " images but " + labelsPath
                    + " holds " + labels.count() + " labels; expected the same count");
        }
        if (images.count() == 0) {
            throw new IllegalArgumentException(imagesPath + " holds no images");
        }
        byte[] y = labels.data();
        for (int i = 0; i < y.length; i++) {
            if ((y[i] & 0xff) >= CLASSES) {
                throw new IllegalArgumentException(labelsPath + ": label " + (y[i] & 0xff) + " of item " + i
                        + " is not a class in [0, " + CLASSES + ")");
            }
        }
        return new Source(images.data(), y);
    }

}
