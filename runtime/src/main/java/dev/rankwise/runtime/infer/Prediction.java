package dev.rankwise.runtime.infer;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A text's label for one task: the most probable class and every class's softmax probability.
 *
 * @param task the task
 * @param label the most probable label (the first of equally probable ones)
 * @param probability the label's probability
 * @param labels the task's labels
 * @param probabilities each label's probability, in the order of {@code labels}
 */
public record Prediction(
    String task, String label, float probability, List<String> labels, float[] probabilities) {

  /** Copies the arrays and checks that there is one probability per label. */
  public Prediction {
    labels = List.copyOf(labels);
    probabilities = probabilities.clone();
    if (labels.size() != probabilities.length) {
      throw new IllegalArgumentException(
          probabilities.length + " probabilities for the " + labels.size() + " labels " + labels);
    }
  }

  /** The most probable label of {@code probabilities} (the first of equally probable ones). */
  static Prediction best(String task, List<String> labels, float[] probabilities) {
    int best = 0;
    for (int label = 1; label < probabilities.length; label++) {
      if (probabilities[label] > probabilities[best]) {
        best = label;
      }
    }
    return new Prediction(task, labels.get(best), probabilities[best], labels, probabilities);
  }

  /** Each label's probability, in the order of {@link #labels()} (a copy). */
  @Override
  public float[] probabilities() {
    return probabilities.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Prediction that && task.equals(that.task) && label.equals(that.label)
        && Float.compare(probability, that.probability) == 0 && labels.equals(that.labels)
        && Arrays.equals(probabilities, that.probabilities);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * task.hashCode() + labels.hashCode()) + Arrays.hashCode(probabilities);
  }

  /** As {@code rankwise predict} prints it: {@code label<TAB>probability} to four decimals. */
  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s\t%.4f", label, probability);
  }
}
