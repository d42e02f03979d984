/**
 * A procedurally rendered dense multi-task benchmark (issue 10, item 6): ray-cast scenes of a
 * floor, a wall, spheres and boxes with exact semantic, depth and normal maps, written in MTAN's
 * NYUv2 {@code .npy} layout ({@code meta4j make-scenes}), so that the whole NYUv2 path trains on a
 * laptop CPU.
 */
package dev.meta4j.runtime.scenes;
