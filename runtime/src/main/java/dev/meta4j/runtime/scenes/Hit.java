package dev.meta4j.runtime.scenes;

/**
 * Where a ray meets a shape first.
 *
 * @param t the ray parameter: with the camera's rays (z component 1) the depth along the optical axis
 * @param normal the outward unit normal there
 * @param shape the shape hit
 */
public record Hit(double t, Vec3 normal, Shape shape) {}
