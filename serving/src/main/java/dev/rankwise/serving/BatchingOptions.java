package dev.rankwise.serving;

import java.time.Duration;
import java.util.Objects;

/**
 * How the {@link Batcher} fills forward passes and how much it queues.
 *
 * @param strategy which rows may share a pass
 * @param maxBatchRows the most rows in one pass
 * @param maxBatchTokens the most tokens in one pass, counted as the forward pass computes them: a
 *     row costs its folder's max length, since rankwise pads every row to it
 * @param maxWait how long the oldest queued row waits for a fuller pass; zero runs a pass as soon
 *     as the batcher is free
 * @param maxQueueRows the most rows waiting (not yet in a pass); a request that would exceed it is
 *     refused, so memory stays bounded
 * @param workers threads running passes; one uses the cores through PyTorch's own threads
 */
public record BatchingOptions(BatchStrategy strategy, int maxBatchRows, int maxBatchTokens, Duration maxWait,
    int maxQueueRows, int workers) {

  /**
   * Cross-task, 16 rows (the classifier's batch: a longer pass only holds its rows longer) or 8192
   * tokens, 5 ms, 2048 queued rows, one worker.
   */
  public static final BatchingOptions DEFAULTS =
      new BatchingOptions(BatchStrategy.CROSS_TASK, 16, 8192, Duration.ofMillis(5), 2048, 1);

  /** Checks each value; a message names the one that is wrong. */
  public BatchingOptions {
    Objects.requireNonNull(strategy, "strategy");
    Objects.requireNonNull(maxWait, "maxWait");
    requirePositive("maxBatchRows", maxBatchRows);
    requirePositive("maxBatchTokens", maxBatchTokens);
    requirePositive("maxQueueRows", maxQueueRows);
    requirePositive("workers", workers);
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative, got " + maxWait);
    }
  }

  /** These options with another strategy. */
  public BatchingOptions withStrategy(BatchStrategy other) {
    return new BatchingOptions(other, maxBatchRows, maxBatchTokens, maxWait, maxQueueRows, workers);
  }

  /** The rows one pass of a folder with rows of {@code maxLength} tokens may hold: at least one. */
  int rowLimit(int maxLength) {
    return Math.max(1, Math.min(maxBatchRows, maxBatchTokens / Math.max(1, maxLength)));
  }

  private static void requirePositive(String name, int value) {
    if (value < 1) {
      throw new IllegalArgumentException(name + " must be positive, got " + value);
    }
  }
}
