package dev.rankwise.runtime.train;

import java.util.Locale;

/**
 * A task's test metrics.
 *
 * @param task the task's name
 * @param loss mean cross-entropy
 * @param accuracy share of rows predicted right
 * @param macroF1 F1 averaged over classes with equal weight (rare classes count as much as common)
 */
public record TaskMetrics(String task, double loss, double accuracy, double macroF1) {

  /** Computes accuracy and macro-F1 from predicted and true class indices. */
  public static TaskMetrics of(String task, double loss, long[] predicted, long[] truth, int classes) {
    long[] truePositives = new long[classes];
    long[] predictedCounts = new long[classes];
    long[] actualCounts = new long[classes];
    long correct = 0;
    for (int i = 0; i < truth.length; i++) {
      int actual = Math.toIntExact(truth[i]);
      int guess = Math.toIntExact(predicted[i]);
      actualCounts[actual]++;
      predictedCounts[guess]++;
      if (actual == guess) {
        truePositives[actual]++;
        correct++;
      }
    }
    double f1Sum = 0;
    for (int c = 0; c < classes; c++) {
      double denominator = predictedCounts[c] + actualCounts[c];
      f1Sum += denominator == 0 ? 0 : 2.0 * truePositives[c] / denominator;
    }
    return new TaskMetrics(task, loss, (double) correct / truth.length, f1Sum / classes);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s: loss %.4f, accuracy %.4f, macro-F1 %.4f", task, loss, accuracy, macroF1);
  }
}
