package dev.rankwise.spark;

/**
 * One row's prediction, as {@code rankwise predict} prints it.
 *
 * @param label the most probable class
 * @param probability its softmax probability
 */
public record Score(String label, float probability) {}
