package dev.rankwise.runtime.train;

import java.util.Locale;

/**
 * A task's classification metrics on its test or validation rows: the one metrics type of training
 * results, evaluations and reports.
 *
 * @param task the task's name
 * @param loss mean loss per row (the task's loss, cross-entropy by default)
 * @param accuracy share of rows predicted right
 * @param macroF1 F1 averaged over classes with equal weight (rare classes count as much as common)
 * @param positiveF1 for two classes, the F1 of class 1, the positive class by the task files'
 *     convention (spam, great, a Reuters topic); for more classes, the macro-F1
 */
public record TaskMetrics(
    String task, double loss, double accuracy, double macroF1, double positiveF1) {

  /** A metric that ranks evaluations, for keep-best and early stopping. */
  public enum Metric {
    /** Mean loss; lower is better. */
    LOSS,
    /** Accuracy; higher is better. */
    ACCURACY,
    /** Macro-F1; higher is better. */
    MACRO_F1,
    /** Positive-class F1 (macro-F1 beyond two classes); higher is better. */
    POSITIVE_F1;

    /** This metric of a task's metrics. */
    public double of(TaskMetrics metrics) {
      return switch (this) {
        case LOSS -> metrics.loss();
        case ACCURACY -> metrics.accuracy();
        case MACRO_F1 -> metrics.macroF1();
        case POSITIVE_F1 -> metrics.positiveF1();
      };
    }

    /**
     * Whether {@code candidate} is strictly better than {@code best} (a tie keeps the earlier
     * evaluation, as the Hugging Face Trainer does); anything beats NaN.
     */
    public boolean isBetter(double candidate, double best) {
      if (Double.isNaN(candidate)) {
        return false;
      }
      if (Double.isNaN(best)) {
        return true;
      }
      return this == LOSS ? candidate < best : candidate > best;
    }
  }

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
      f1Sum += f1(truePositives, predictedCounts, actualCounts, c);
    }
    double macro = f1Sum / classes;
    double positive = classes == 2 ? f1(truePositives, predictedCounts, actualCounts, 1) : macro;
    return new TaskMetrics(task, loss, (double) correct / truth.length, macro, positive);
  }

  private static double f1(long[] truePositives, long[] predicted, long[] actual, int c) {
    double denominator = predicted[c] + actual[c];
    return denominator == 0 ? 0 : 2.0 * truePositives[c] / denominator;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s: loss %.4f, accuracy %.4f, macro-F1 %.4f, F1 %.4f", task, loss, accuracy, macroF1,
        positiveF1);
  }
}
