package dev.meta4j.datasets.mtl;

import java.nio.file.Path;
import java.util.List;

/**
 * The issue-10 fixtures for tests outside this package (the distribution's end-to-end tests get
 * them through this module's test-jar): tiny folders in exactly the on-disk formats that
 * {@code nyuv2}, {@code cityscapes}, {@code celeba} and {@code qm9} read, written by the same
 * writers as this module's own tests.
 */
public final class DenseFixtures {

    /** CelebA's 40 attribute names, in the order of the official {@code list_attr_celeba.txt}. */
    public static final List<String> CELEBA_ATTRIBUTES = List.of("5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive",
            "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips", "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry",
            "Brown_Hair", "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair",
            "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard",
            "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling",
            "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace",
            "Wearing_Necktie", "Young");

    private DenseFixtures() {}

    /**
     * MTAN's NYUv2 layout: {@code train/} and {@code val/} with {@code image}, {@code label} (13
     * classes and -1), {@code depth} (0 at invalid pixels) and {@code normal} (all-zero at invalid
     * pixels), channels-last float32.
     *
     * @param root the folder to write into
     * @param train training scenes
     * @param val validation scenes
     * @param height rows of every map
     * @param width columns of every map
     * @return the root
     */
    public static Path nyuv2(Path root, int train, int val, int height, int width) {
        return MtlFixtures.scenes(root, new String[] {"label"}, new int[] {NyuV2.CLASSES}, true, train, val, height,
                width, "<f4");
    }

    /**
     * MTAN's Cityscapes layout: {@code image}, {@code label_7}, {@code label_19} and {@code depth}.
     *
     * @param root the folder to write into
     * @param train training scenes
     * @param val validation scenes
     * @param height rows
     * @param width columns
     * @return the root
     */
    public static Path cityscapes(Path root, int train, int val, int height, int width) {
        return MtlFixtures.scenes(root, new String[] {"label_7", "label_19"}, new int[] {7, 19}, false, train, val,
                height, width, "<f4");
    }

    /**
     * The official CelebA files (seven small JPEGs over the three partitions) with the real 40
     * attribute names, so configs naming attributes validate.
     *
     * @param root the folder to write into
     * @return the root
     */
    public static Path celeba(Path root) {
        return CelebATest.fixture(root, CELEBA_ATTRIBUTES);
    }

    /**
     * QM9's raw files (six molecules, one of them uncharacterized): use {@code test-size} and
     * {@code validation-size} of 1 or 2.
     *
     * @param root the folder to write into
     * @return the root
     */
    public static Path qm9(Path root) {
        return Qm9Test.fixture(root);
    }
}
