package dev.rankwise.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;

/**
 * Runs a function over an array's rows a batch at a time, each batch in its own sub-manager so
 * that its intermediate arrays are freed at once, and concatenates the results.
 */
public final class RowBatches {

  private RowBatches() {}

  /**
   * Applies {@code function} to consecutive batches of {@code batchSize} rows of {@code rows} and
   * returns the results concatenated along the rows, owned by {@code owner}; {@code done} hears
   * the number of rows finished after each batch.
   */
  public static NDArray map(
      NDManager owner, NDArray rows, int batchSize, UnaryOperator<NDArray> function, LongConsumer done) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
    }
    long total = rows.getShape().get(0);
    try (NDList parts = new NDList()) {
      for (long from = 0; from < total; from += batchSize) {
        long to = Math.min(total, from + batchSize);
        try (NDManager batchManager = owner.newSubManager()) {
          NDArray batch = rows.get("{}:{}", from, to);
          batch.attach(batchManager);
          NDArray part = function.apply(batch);
          part.attach(owner);
          parts.add(part);
        }
        done.accept(to);
      }
      NDArray all = NDArrays.concat(parts);
      all.attach(owner);
      return all;
    }
  }

  /** As {@link #map(NDManager, NDArray, int, UnaryOperator, LongConsumer)}, without progress. */
  public static NDArray map(NDManager owner, NDArray rows, int batchSize, UnaryOperator<NDArray> function) {
    return map(owner, rows, batchSize, function, done -> {});
  }
}
