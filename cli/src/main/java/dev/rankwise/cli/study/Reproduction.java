package dev.rankwise.cli.study;

import dev.rankwise.runtime.train.TaskMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A recorded run set beside the same cell run again: whether a study's number comes from the code
 * as it stands. The run reproduces when it has the same adapter size, optimizer steps and learning
 * rate, and every task's accuracy and macro-F1 are the same (they count rows, so they are exact).
 * The losses, means of floating-point sums, are only reported, as their largest difference.
 */
public final class Reproduction {

  private final RunRecord recorded;
  private final RunRecord now;
  private final List<String> differences = new ArrayList<>();
  private double largestLossDifference;

  /** Compares {@code recorded}, a line of a results file, with {@code now}, the same cell run again. */
  public Reproduction(RunRecord recorded, RunRecord now) {
    this.recorded = recorded;
    this.now = now;
    compare("adapter parameters", recorded.adapterParameters(), now.adapterParameters());
    compare("steps", recorded.steps(), now.steps());
    compare("learning rate", recorded.peakLearningRate(), now.peakLearningRate());
    if (recorded.metrics().isEmpty()) {
      differences.add("the record scores no task");
    }
    recorded.metrics().forEach((task, then) -> {
      TaskMetrics again = now.metrics().get(task);
      if (again == null) {
        differences.add(task + ": recorded, but not scored now");
        return;
      }
      compare(task + " accuracy", then.accuracy(), again.accuracy());
      compare(task + " macro-F1", then.macroF1(), again.macroF1());
      largestLossDifference = Math.max(largestLossDifference, Math.abs(then.loss() - again.loss()));
    });
    now.metrics().keySet().stream().filter(task -> !recorded.metrics().containsKey(task))
        .forEach(task -> differences.add(task + ": scored now, but not recorded"));
  }

  /** What differs, one line each (empty when the run reproduced). */
  public List<String> differences() {
    return List.copyOf(differences);
  }

  /** Whether nothing differs. */
  public boolean reproduced() {
    return differences.isEmpty();
  }

  /** The largest difference between a task's recorded loss and its loss now. */
  public double largestLossDifference() {
    return largestLossDifference;
  }

  /** A table of the recorded and new figures, then the verdict. */
  public String describe() {
    StringBuilder text = new StringBuilder(recorded.cell().id()).append(System.lineSeparator());
    row(text, "", "recorded", "now");
    row(text, "steps", recorded.steps(), now.steps());
    row(text, "learning rate", recorded.peakLearningRate(), now.peakLearningRate());
    recorded.metrics().forEach((task, then) -> {
      TaskMetrics again = now.metrics().get(task);
      row(text, task + " accuracy", String.format(Locale.ROOT, "%.4f", then.accuracy()),
          again == null ? "-" : String.format(Locale.ROOT, "%.4f", again.accuracy()));
    });
    if (reproduced()) {
      return text.append(String.format(Locale.ROOT, "Reproduced: the same steps, learning rate, accuracy and"
          + " macro-F1 of every task; losses within %.1e.%n", largestLossDifference)).toString();
    }
    return text.append("Not reproduced: ").append(String.join("; ", differences))
        .append(System.lineSeparator()).toString();
  }

  private static void row(StringBuilder text, String label, Object recorded, Object now) {
    text.append(String.format(Locale.ROOT, "  %-22s %12s %12s%n", label, recorded, now));
  }

  private void compare(String what, Object then, Object again) {
    if (!then.equals(again)) { // Double.equals: bit for bit
      differences.add(what + " " + then + " recorded, " + again + " now");
    }
  }
}
