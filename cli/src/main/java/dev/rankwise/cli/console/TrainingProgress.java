package dev.rankwise.cli.console;

import dev.rankwise.runtime.train.Evaluation;
import dev.rankwise.runtime.train.TrainerListener;
import dev.rankwise.runtime.train.TrainingResult;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The command line's view of a training run on standard error: a progress bar with each step's
 * loss, a line for a resume, a skipped checkpoint and a validation evaluation, and the test
 * metrics when it ends.
 */
public class TrainingProgress implements TrainerListener {

  private final String label;
  private ProgressBar bar;
  private int skipped;

  /** A view whose bar is labelled {@code label}, such as {@code multi-task}. */
  public TrainingProgress(String label) {
    this.label = label;
  }

  @Override
  public void onResume(int step, Optional<Path> checkpoint) {
    System.err.println(checkpoint.map(file -> "resuming from " + file + " (step " + step + ")")
        .orElse("no valid checkpoint; starting from step 1"));
  }

  @Override
  public void onCheckpointSkipped(String reason) {
    System.err.println(reason);
  }

  @Override
  public void onTrainingBegin(int firstStep, int totalSteps) {
    bar = ProgressBar.onStandardError(label, totalSteps);
  }

  @Override
  public void onStep(int step, double loss) {
    bar.update(step, Double.isNaN(loss) ? "skipped (non-finite), " + ++skipped + " so far"
        : String.format(Locale.ROOT, "loss %.4f", loss));
  }

  @Override
  public void onEvaluation(Evaluation evaluation, boolean improved) {
    bar.note("validation " + evaluation + (improved ? " (best so far)" : ""));
  }

  @Override
  public void onTrainingEnd(TrainingResult result) {
    String end = result.stoppedEarly() ? "stopped early, " : "";
    String kept = result.bestStep() > 0 ? "best validation at step " + result.bestStep() + "; " : "";
    bar.finish(end + kept + result.metrics());
  }
}
