package dev.rankwise.samples.cli;

import dev.rankwise.runtime.train.TaskMetrics;
import dev.rankwise.samples.encoder.EncoderSession;
import dev.rankwise.samples.encoder.Method;
import dev.rankwise.samples.encoder.MethodResult;
import dev.rankwise.samples.encoder.MethodTrainer;
import dev.rankwise.samples.encoder.ReportWriter;
import dev.rankwise.samples.encoder.RunSettings;
import dev.rankwise.samples.encoder.TaskTexts;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains one method on its tasks and saves its adapters and heads. */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Fine-tune all-MiniLM-L6-v2 with one method on the tasks its declaration routes;"
        + " save adapters and heads into --out/adapters/<method> and the run into --out/train-<method>.json.")
final class TrainCommand implements Callable<Integer> {

  @Mixin CommonOptions common;
  @Mixin RunOptions run;

  @Option(names = "--method", required = true, paramLabel = "ID",
      description = "shared-lora, per-task-lora, decomposed-16x16, decomposed-12x20, rank-experts,"
          + " rank-experts-adaptive.")
  String method;

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    Method chosen = Method.byId(method);
    RunSettings settings = run.settings(common.seed);
    Path adapters = common.out.resolve("adapters").resolve(chosen.id());
    try (EncoderSession session = new EncoderSession(TaskTexts.read(common.data, chosen.tasks(),
        settings.trainRows(), settings.testRows(), settings.seed()), settings.maxLength(), true)) {
      MethodResult result = new MethodTrainer(session, settings.trainingConfig(true), settings.sampling())
          .train(chosen, adapters);
      System.out.printf(Locale.ROOT, "%s: %,d adapter parameters, %d steps, %.0f s%n", chosen.label(),
          result.adapterParameters(), result.losses().size(), result.seconds());
      for (TaskMetrics metrics : result.metrics()) {
        System.out.println("  " + metrics);
      }
      System.out.println("Report: " + ReportWriter.writeTrainingRun(common.out, settings, result));
    }
    System.out.println("Adapters and heads: " + adapters);
    return 0;
  }
}
