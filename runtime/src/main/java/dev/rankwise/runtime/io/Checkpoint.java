package dev.rankwise.runtime.io;

import java.util.Map;

/**
 * A training run's state after a step: the trainable parameters (adapters and heads, never the
 * frozen base), the optimizer's moments and update count, and whatever else the trainer needs to
 * go on exactly as if it had not stopped (sampler orders, random state, loss histories).
 *
 * @param step the last step taken, from 1
 * @param run what the run was (its settings and data), so a checkpoint is never resumed by another
 * @param optimizerUpdates updates the optimizer has taken (less than {@code step} if steps were skipped)
 * @param parameters trainable parameter values by name
 * @param means the optimizer's first moments by parameter name
 * @param variances the optimizer's second moments by parameter name
 * @param arrays the trainer's other arrays by name (sampler orders, loss histories)
 * @param values the trainer's other values by name (positions, random state)
 */
public record Checkpoint(
    int step,
    String run,
    int optimizerUpdates,
    Map<String, Array> parameters,
    Map<String, Array> means,
    Map<String, Array> variances,
    Map<String, Array> arrays,
    Map<String, String> values) {

  /** Copies the maps, so the record does not change under its holder. */
  public Checkpoint {
    parameters = Map.copyOf(parameters);
    means = Map.copyOf(means);
    variances = Map.copyOf(variances);
    arrays = Map.copyOf(arrays);
    values = Map.copyOf(values);
  }

  /** A float32 array: its shape and row-major values. */
  public record Array(long[] shape, float[] data) {}
}
