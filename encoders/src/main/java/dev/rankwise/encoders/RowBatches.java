package dev.rankwise.encoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.Comparator;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * Runs a function over an array's rows a batch at a time, each batch in its own sub-manager so
 * that its intermediate arrays are freed at once, and concatenates the results.
 */
public final class RowBatches {

  /** Rows sorted together by {@link #mapByLength}. */
  static final int WINDOW = 512;

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

  /**
   * As {@link #map(NDManager, NDArray, int, UnaryOperator, LongConsumer)}, with each batch made of
   * rows of about one length, so that a function that cuts a batch to its longest row pads little;
   * the results come back in the rows' order. Rows are sorted by {@code lengths} within windows of
   * {@value #WINDOW} rows, so that putting the results back in order copies a window's, not all of them.
   *
   * @param lengths each row's length (its attended tokens), as many as there are rows
   */
  public static NDArray mapByLength(NDManager owner, NDArray rows, long[] lengths, int batchSize,
      UnaryOperator<NDArray> function, LongConsumer done) {
    long total = rows.getShape().get(0);
    if (lengths.length != total) {
      throw new IllegalArgumentException(lengths.length + " lengths for " + total + " rows");
    }
    try (NDList windows = new NDList()) {
      for (int from = 0; from < total; from += WINDOW) {
        int to = (int) Math.min(total, from + WINDOW);
        int start = from;
        long[] order = IntStream.range(from, to).boxed()
            .sorted(Comparator.comparingLong(row -> lengths[row])).mapToLong(Integer::longValue).toArray();
        long[] back = new long[order.length];
        for (int i = 0; i < order.length; i++) {
          back[(int) order[i] - start] = i;
        }
        try (NDManager windowManager = owner.newSubManager()) {
          NDArray sorted = rows.get(windowManager.create(order));
          sorted.attach(windowManager);
          NDArray results = map(windowManager, sorted, batchSize, function, finished -> done.accept(start + finished));
          NDArray inOrder = results.get(windowManager.create(back));
          inOrder.attach(owner);
          windows.add(inOrder);
        }
      }
      // One window's results are the answer as they are; the list closes only what it still holds.
      NDArray all = windows.size() == 1 ? windows.remove(0) : NDArrays.concat(windows);
      all.attach(owner);
      return all;
    }
  }

  /** As {@link #map(NDManager, NDArray, int, UnaryOperator, LongConsumer)}, without progress. */
  public static NDArray map(NDManager owner, NDArray rows, int batchSize, UnaryOperator<NDArray> function) {
    return map(owner, rows, batchSize, function, done -> {});
  }
}
