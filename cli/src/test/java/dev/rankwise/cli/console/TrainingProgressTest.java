package dev.rankwise.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.runtime.train.Evaluation;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TrainingResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The command line shows a run's events on standard error; the trainer itself prints nothing. */
class TrainingProgressTest {

  @Test
  void showsResumeStepsSkipsEvaluationsAndTheEnd() {
    PrintStream standardError = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      TrainingProgress progress = new TrainingProgress("multi-task");
      progress.onCheckpointSkipped("skipping unreadable checkpoint checkpoint-00000012.safetensors: torn");
      progress.onResume(10, Optional.of(Path.of("checkpoint-00000010.safetensors")));
      progress.onTrainingBegin(11, 12);
      progress.onStep(11, Double.NaN);
      TaskMetrics spam = new TaskMetrics("spam", 0.25, 0.9, 0.85, 0.8);
      progress.onEvaluation(new Evaluation(12, List.of(spam)), true);
      progress.onStep(12, 0.125);
      progress.onTrainingEnd(new TrainingResult(List.of(0.5, 0.125), Map.of(), Map.of(), List.of(1e-3, 1e-3),
          List.of(new Evaluation(12, List.of(spam))), 12, false, List.of(spam), 1, List.of(11)));
    } finally {
      System.setErr(standardError);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertEquals("skipping unreadable checkpoint checkpoint-00000012.safetensors: torn", lines.get(0));
    assertEquals("resuming from checkpoint-00000010.safetensors (step 10)", lines.get(1));
    assertTrue(lines.get(2).startsWith("multi-task [") && lines.get(2).contains("11/12  skipped (non-finite), 1 so far"),
        lines.get(2));
    assertEquals("validation step 12: spam: loss 0.2500, accuracy 0.9000, macro-F1 0.8500, F1 0.8000 (best so far)",
        lines.get(3));
    assertTrue(lines.get(4).contains("12/12  loss 0.1250"), lines.get(4));
    assertTrue(lines.get(5).startsWith("multi-task done: 12/12 in ") && lines.get(5).endsWith(
        "best validation at step 12; [spam: loss 0.2500, accuracy 0.9000, macro-F1 0.8500, F1 0.8000]"), lines.get(5));
  }
}
