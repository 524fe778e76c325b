package dev.rankwise.runtime.train;

import java.util.Random;

/**
 * Walks a task's training rows in a fresh random order each pass (or in their order, unshuffled),
 * and can say where it stands.
 */
final class RowCursor {

  /** Rows are saved as float32 in checkpoints, exact up to this count. */
  static final int MAX_ROWS = 1 << 24;

  private final long[] order;
  private final Random random;
  private int position;

  /**
   * A cursor over {@code rows} rows, shuffled each pass with {@code random} (shared by the run), or
   * never when {@code random} is null.
   */
  RowCursor(long rows, Random random) {
    this.order = new long[Math.toIntExact(rows)];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    this.random = random;
    shuffle();
  }

  /** The next {@code count} rows, reshuffling whenever a pass ends. */
  long[] next(int count) {
    long[] rows = new long[count];
    for (int i = 0; i < count; i++) {
      if (position == order.length) {
        shuffle();
      }
      rows[i] = order[position++];
    }
    return rows;
  }

  /** The current pass's order. */
  float[] order() {
    if (order.length > MAX_ROWS) {
      throw new IllegalStateException("checkpoints hold at most " + MAX_ROWS + " rows per task, this task has "
          + order.length);
    }
    float[] saved = new float[order.length];
    for (int i = 0; i < order.length; i++) {
      saved[i] = order[i];
    }
    return saved;
  }

  /** Rows of the current pass already dealt. */
  int position() {
    return position;
  }

  /**
   * Continues from a saved order and position.
   *
   * @throws IllegalArgumentException unless the order is a permutation of this task's rows and the
   *     position lies within it
   */
  void restore(float[] savedOrder, int savedPosition) {
    if (savedOrder.length != order.length || savedPosition < 0 || savedPosition > order.length) {
      throw new IllegalArgumentException("a saved order of " + savedOrder.length + " rows at position "
          + savedPosition + " does not fit a task of " + order.length + " rows");
    }
    boolean[] seen = new boolean[order.length];
    for (float row : savedOrder) {
      int index = (int) row;
      if (index != row || index < 0 || index >= order.length || seen[index]) {
        throw new IllegalArgumentException("a saved order is not a permutation of the task's rows (row " + row + ")");
      }
      seen[index] = true;
    }
    for (int i = 0; i < order.length; i++) {
      order[i] = (long) savedOrder[i];
    }
    position = savedPosition;
  }

  private void shuffle() {
    position = 0;
    if (random == null) {
      return;
    }
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      long swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
  }
}
