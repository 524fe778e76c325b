package dev.rankwise.cli.study;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A recorded run set beside the same cell run again: whether a study's number comes from the code
 * as it stands. The run reproduces when it took the same optimizer steps at the same learning rate
 * and every task's accuracy and macro-F1 are the same (they count rows, so they are exact); the
 * losses, means of floating-point sums, are reported as their largest difference.
 *
 * @param recorded the run as its results file holds it
 * @param now the same cell run again
 */
public record Reproduction(RunRecord recorded, RunRecord now) {

  /** What differs, one line each (empty when the run reproduced). */
  public List<String> differences() {
    List<String> differences = new ArrayList<>();
    compare(differences, "steps", recorded.steps(), now.steps());
    compare(differences, "learning rate", recorded.learningRate(), now.learningRate());
    recorded.metrics().forEach((task, then) -> {
      TaskMetrics again = now.metrics().get(task);
      if (again == null) {
        differences.add(task + ": recorded, but not scored now");
        return;
      }
      compare(differences, task + " accuracy", then.accuracy(), again.accuracy());
      compare(differences, task + " macro-F1", then.macroF1(), again.macroF1());
    });
    now.metrics().keySet().stream().filter(task -> !recorded.metrics().containsKey(task))
        .forEach(task -> differences.add(task + ": scored now, but not recorded"));
    return differences;
  }

  /** Whether nothing differs. */
  public boolean reproduced() {
    return differences().isEmpty();
  }

  /** The largest difference between a task's recorded loss and its loss now. */
  public double largestLossDifference() {
    return recorded.metrics().entrySet().stream()
        .filter(entry -> now.metrics().containsKey(entry.getKey()))
        .mapToDouble(entry -> Math.abs(entry.getValue().loss() - now.metrics().get(entry.getKey()).loss()))
        .max().orElse(0);
  }

  /** A table of the recorded and new figures, then the verdict. */
  public String describe() {
    StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
        "%s%n  %-22s %12s %12s%n  %-22s %12d %12d%n  %-22s %12s %12s%n", recorded.cell().id(), "", "recorded",
        "now", "steps", recorded.steps(), now.steps(), "learning rate", recorded.learningRate(),
        now.learningRate()));
    recorded.metrics().forEach((task, then) -> {
      TaskMetrics again = now.metrics().get(task);
      text.append(String.format(Locale.ROOT, "  %-22s %12.4f %12s%n", task + " accuracy", then.accuracy(),
          again == null ? "-" : String.format(Locale.ROOT, "%.4f", again.accuracy())));
    });
    List<String> differences = differences();
    return text.append(differences.isEmpty()
        ? String.format(Locale.ROOT, "Reproduced: the same steps, learning rate, accuracy and macro-F1 of every"
            + " task; losses within %.1e.%n", largestLossDifference())
        : "Not reproduced: " + String.join("; ", differences) + System.lineSeparator()).toString();
  }

  private static void compare(List<String> differences, String what, Object then, Object again) {
    if (!then.equals(again)) { // Double.equals: bit for bit
      differences.add(String.format(Locale.ROOT, "%s %s recorded, %s now", what, then, again));
    }
  }
}
