package dev.rankwise.spark;

import java.io.Serializable;

/**
 * How an executor scores rows, besides the adapter folder (which says what the adapters are, their
 * tasks and labels): shipped in the task closure, so executors need nothing from the driver's
 * file system but the shipped folder.
 *
 * @param base the model folder the adapters were trained on, as a path the executors can read, or
 *     null for the shipped base their record names
 * @param maxLength tokens per text, special tokens included, or null for as many as the adapters
 *     were trained with
 * @param batchSize rows per forward pass
 * @param strategy merged weights per task, or mixed-task batches
 * @param threads PyTorch intra-op threads of the executor's engine
 */
public record ScoringSpec(String base, Integer maxLength, int batchSize, Strategy strategy, int threads)
    implements Serializable {

  private static final long serialVersionUID = 3L;

  /** Validates the values; the message names the one that is wrong. */
  public ScoringSpec {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be positive, got " + batchSize);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be positive, got " + threads);
    }
  }
}
