package dev.rankwise.runtime.train;

import java.util.List;

/**
 * How each mixed-task batch is shared among the tasks. Every task gets at least one row of every
 * batch, so no task's adapter sits out a step (Adam would otherwise keep moving it by momentum).
 */
public sealed interface TaskSampling {

  /** Shares proportional to each task's training rows. */
  record Proportional() implements TaskSampling {
    @Override
    public double weight(long rows) {
      return rows;
    }
  }

  /**
   * Shares proportional to {@code rows^(1/temperature)}: 1 is proportional, larger flattens towards
   * equal shares (as in multilingual and multi-task training).
   *
   * @param temperature at least 1
   */
  record Temperature(double temperature) implements TaskSampling {
    /** Validates the temperature. */
    public Temperature {
      if (!(temperature >= 1) || Double.isInfinite(temperature)) {
        throw new IllegalArgumentException("temperature must be finite and >= 1, got " + temperature);
      }
    }

    @Override
    public double weight(long rows) {
      return Math.pow(rows, 1 / temperature);
    }
  }

  /** Rows dealt to the tasks in turn: equal shares. */
  record RoundRobin() implements TaskSampling {
    @Override
    public double weight(long rows) {
      return 1;
    }
  }

  /** The unnormalised share of a task with {@code rows} training rows. */
  double weight(long rows);

  /**
   * Rows of a batch of {@code batchSize} per task: each task at least one, the rest by the shares,
   * largest remainders first.
   */
  default int[] rowsPerTask(List<Long> taskRows, int batchSize) {
    int tasks = taskRows.size();
    if (batchSize < tasks) {
      throw new IllegalArgumentException(
          "batchSize (" + batchSize + ") must be at least the number of tasks (" + tasks + ")");
    }
    double[] weights = new double[tasks];
    double total = 0;
    for (int t = 0; t < tasks; t++) {
      weights[t] = weight(taskRows.get(t));
      total += weights[t];
    }
    int[] rows = new int[tasks];
    double[] remainders = new double[tasks];
    int free = batchSize - tasks;
    int assigned = 0;
    for (int t = 0; t < tasks; t++) {
      double share = free * weights[t] / total;
      rows[t] = 1 + (int) share;
      remainders[t] = share - (int) share;
      assigned += rows[t];
    }
    while (assigned < batchSize) {
      int best = 0;
      for (int t = 1; t < tasks; t++) {
        if (remainders[t] > remainders[best]) {
          best = t;
        }
      }
      rows[best]++;
      remainders[best] = -1;
      assigned++;
    }
    return rows;
  }
}
