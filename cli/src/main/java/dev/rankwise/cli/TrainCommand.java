package dev.rankwise.cli;

import dev.rankwise.cli.console.TrainingProgress;
import dev.rankwise.runtime.io.CheckpointDirectory;
import dev.rankwise.runtime.train.Checkpointing;
import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingStoppedException;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodResult;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.ReportWriter;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskTexts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains one method on its tasks and saves its adapters and heads. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Fine-tune a base (all-MiniLM-L6-v2 unless --base) with one method on the tasks --data declares (or --tasks);"
        + " save adapters and heads into --out/adapters/<method> and the run into --out/train-<method>.json.")
final class TrainCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin RunOptions run;
  @Mixin BaseOptions base;

  @Option(names = "--method", required = true, paramLabel = "ID",
      description = "shared-lora, per-task-lora, decomposed-16x16, decomposed-12x20, rank-experts,"
          + " rank-experts-adaptive.")
  String method;

  @Option(names = "--tasks", paramLabel = "NAME", split = ",",
      description = "The tasks to train, by the names their tasks.json files give them (default: every task"
          + " --data declares).")
  List<String> tasks;

  @Option(names = "--validation-fraction", paramLabel = "F", defaultValue = "0",
      description = "Hold out this seeded fraction of each task's training rows for model selection, unless its"
          + " set has a validation split (validation.jsonl or .csv). With validation rows, the run evaluates"
          + " every --evaluate-every steps and keeps the weights with the lowest validation loss."
          + " Default: ${DEFAULT-VALUE}.")
  double validationFraction;

  @Option(names = "--evaluate-every", paramLabel = "N", defaultValue = "50",
      description = "Steps between evaluations on the validation rows. Default: ${DEFAULT-VALUE}.")
  int evaluateEvery;

  @Option(names = "--checkpoint-every", paramLabel = "N", defaultValue = "50",
      description = "Save a checkpoint (adapters, heads, optimizer, sampler) every N steps and at the end"
          + " into --out/checkpoints/<method>; 0 = at the end only. Default: ${DEFAULT-VALUE}.")
  int checkpointEvery;

  @Option(names = "--keep-checkpoints", paramLabel = "K", defaultValue = "3",
      description = "Keep the newest K checkpoints. Default: ${DEFAULT-VALUE}.")
  int keepCheckpoints;

  @Option(names = "--resume",
      description = "Continue from the newest valid checkpoint of the same run (same options and data);"
          + " the result equals the run that was never stopped.")
  boolean resume;

  @Option(names = "--restart",
      description = "Delete this method's checkpoints in --out and start from step 1 (without --resume or"
          + " --restart, a folder that holds checkpoints is refused rather than overwritten).")
  boolean restart;

  @Option(names = "--on-non-finite", paramLabel = "POLICY", defaultValue = "stop",
      description = "What a step with a NaN or infinite loss or gradient does: stop (exit 3, naming step"
          + " and task) or skip (skip the batch, count it, go on). Default: ${DEFAULT-VALUE}.")
  String onNonFinite;

  @Option(names = "--skip-malformed",
      description = "Skip malformed data lines (bad JSON, unknown or missing label, empty text, invalid"
          + " UTF-8, over-long line), counting them with the first reasons, instead of stopping at the first.")
  boolean skipMalformed;

  @Override
  public Path outputFolder() {
    return common.out;
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Method declared = Method.byId(method);
    Method chosen = declared.forTasks(tasks != null ? tasks : TaskTexts.declared(common.data, declared.tasks()));
    RunSettings settings = run.settings(common.seed);
    List<TaskTexts> texts = TaskTexts.read(common.data, chosen.tasks(), settings.trainRows(), settings.testRows(),
        settings.seed(), skipMalformed, validationFraction);
    TrainingConfig config = validated(texts)
        ? settings.selectingOnValidation(policy(onNonFinite), evaluateEvery)
        : settings.trainingConfig(policy(onNonFinite));
    Path adapters = common.out.resolve("adapters").resolve(chosen.id());
    Path checkpoints = common.out.resolve("checkpoints").resolve(chosen.id());
    prepare(checkpoints);
    MethodResult result;
    String baseName;
    try (EncoderSession session = new EncoderSession(texts, base.forTraining().open(settings.maxLength()), true);
        StopOnSignal stop = new StopOnSignal()) {
      baseName = session.encoder().name();
      Checkpointing checkpointing = Checkpointing.into(checkpoints).withEvery(checkpointEvery)
          .withKeep(keepCheckpoints).withResume(resume).withStop(stop);
      try {
        result = new MethodTrainer(session, config, settings.sampling(), new TrainingProgress("multi-task"))
            .train(chosen, adapters, checkpointing);
      } catch (TrainingStoppedException e) {
        System.err.println("rankwise: " + e.getMessage());
        System.err.flush();
        return stop.exitCode();
      }
    }
    System.out.printf(Locale.ROOT, "%s: %,d adapter parameters, %d steps, %.0f s%n", chosen.label(),
        result.adapterParameters(), result.losses().size(), result.seconds());
    if (!result.skippedSteps().isEmpty()) {
      System.out.println("  skipped " + result.skippedSteps().size() + " steps with a non-finite loss or gradient: "
          + result.skippedSteps());
    }
    for (TaskMetrics metrics : result.metrics()) {
      System.out.println("  " + metrics);
    }
    System.out.println("Report: " + ReportWriter.writeTrainingRun(common.out, baseName, settings, result));
    System.out.println("Adapters and heads: " + adapters);
    System.out.println("Checkpoints: " + checkpoints);
    return 0;
  }

  /** Refuses to overwrite an earlier run's checkpoints unless told to resume or restart. */
  private void prepare(Path checkpoints) throws IOException {
    if (resume && restart) {
      throw new IllegalArgumentException("--resume and --restart exclude each other");
    }
    List<Path> existing = new CheckpointDirectory(checkpoints, 1).files();
    if (existing.isEmpty() || resume) {
      return;
    }
    if (!restart) {
      throw new IllegalArgumentException(checkpoints + " holds checkpoints of an earlier run (newest "
          + existing.get(existing.size() - 1).getFileName() + "): --resume continues it, --restart discards them");
    }
    for (Path file : existing) {
      Files.delete(file);
    }
  }

  /**
   * Whether the run selects its weights on validation rows: when every task has them.
   *
   * @throws IllegalArgumentException if some tasks have validation rows and others not
   */
  private static boolean validated(List<TaskTexts> texts) {
    List<String> without = texts.stream().filter(task -> !task.hasValidation()).map(TaskTexts::name).toList();
    if (without.isEmpty()) {
      return true;
    }
    if (without.size() < texts.size()) {
      throw new IllegalArgumentException("tasks " + without + " have no validation rows while the others have a"
          + " validation split; add one to their sets, or give --validation-fraction");
    }
    return false;
  }

  private static TrainingConfig.OnNonFinite policy(String name) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "stop" -> TrainingConfig.OnNonFinite.STOP;
      case "skip" -> TrainingConfig.OnNonFinite.SKIP;
      default -> throw new IllegalArgumentException("--on-non-finite must be stop or skip, got '" + name + "'");
    };
  }
}
