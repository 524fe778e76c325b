package dev.rankwise.cli;

import dev.rankwise.cli.console.TrainingProgress;
import dev.rankwise.runtime.train.Checkpointing;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.cli.job.EncoderSession;
import dev.rankwise.cli.job.Method;
import dev.rankwise.cli.job.MethodTrainer;
import dev.rankwise.cli.job.RunSettings;
import dev.rankwise.cli.job.TaskTexts;
import dev.rankwise.reporting.MemorySample;
import dev.rankwise.cli.soak.SoakReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Trains for thousands of steps and shows that memory stays flat. */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "Train one method for --steps steps (cycling over the data, checkpointing every 500 steps"
        + " into --out/soak/checkpoints) and sample resident memory, Java heap and live NDArrays every"
        + " --every steps into --out/soak/soak.md and soak.json. Exit 4 if memory grew past its bounds.")
final class SoakCommand implements Callable<Integer>, WritesOutput {

  @Mixin CommonOptions common;
  @Mixin BaseOptions base;

  @Spec CommandSpec spec;

  @Option(names = "--method", paramLabel = "ID", defaultValue = "rank-experts",
      description = "The method to train. Default: ${DEFAULT-VALUE}.")
  String method;

  @Option(names = "--steps", paramLabel = "N", defaultValue = "2000", description = "Steps. Default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--every", paramLabel = "N", defaultValue = "100",
      description = "Sample memory every N steps. Default: ${DEFAULT-VALUE}.")
  int every;

  @Option(names = "--train-rows", paramLabel = "N", defaultValue = "600",
      description = "Training rows per task. Default: ${DEFAULT-VALUE}.")
  int trainRows;

  @Option(names = "--max-length", paramLabel = "N", defaultValue = "32",
      description = "Tokens per text. Default: ${DEFAULT-VALUE}.")
  int maxLength;

  @Override
  public Path outputFolder() {
    return common.out;
  }

  @Override
  public Integer call() throws Exception {
    common.applyToEngine();
    if (steps < 10 || every < 1) {
      throw new IllegalArgumentException("--steps must be at least 10 and --every at least 1, got " + steps + " and " + every);
    }
    Method chosen = Method.byId(method);
    RunSettings preset = RunSettings.standard(common.seed);
    // As many epochs as steps is always enough: an epoch has at least one step.
    RunSettings settings = new RunSettings(trainRows, 100, maxLength, steps, preset.batchSize(),
        preset.learningRate(), preset.probeSteps(), common.seed);
    TrainingConfig config = settings.trainingConfig(TrainingConfig.OnNonFinite.STOP, steps);
    Path folder = common.out.resolve("soak");
    Path checkpoints = folder.resolve("checkpoints");
    deleteEarlierSoak(checkpoints);
    List<MemorySample> samples = new ArrayList<>();
    long start = System.nanoTime();
    try (EncoderSession session = new EncoderSession(TaskTexts.read(common.data, chosen.tasks(),
        settings.trainRows(), settings.testRows(), settings.seed()), base.forTraining().open(settings.maxLength()), true)) {
      TrainingProgress sampling = new TrainingProgress("multi-task") {
        @Override
        public void onStep(int step, double loss) {
          super.onStep(step, loss);
          if (step == 1 || step % every == 0 || step == steps) {
            MemorySample sample = MemorySample.take(step, (System.nanoTime() - start) / 1e9, loss);
            samples.add(sample);
            System.out.printf("step %d: resident %.1f MiB, heap %.1f MiB, live NDArrays %d%n", step,
                sample.residentBytes() / 1048576.0, sample.heapBytes() / 1048576.0, sample.liveArrays());
          }
        }
      };
      new MethodTrainer(session, config, settings.sampling(), sampling)
          .train(chosen, null, Checkpointing.into(checkpoints).withEvery(500).withKeep(2));
    }
    SoakReport report = new SoakReport("rankwise " + String.join(" ", spec.commandLine().getParseResult().originalArgs()),
        samples);
    Path file = report.write(folder);
    System.out.println(report.summary());
    System.out.println("Report: " + file);
    return exitCode(report);
  }

  /** 0 if memory stayed flat, else {@link RankwiseCli#MEMORY_GREW}: a finding of the soak, not a failure of it. */
  static int exitCode(SoakReport report) {
    return report.flat() ? RankwiseCli.OK : RankwiseCli.MEMORY_GREW;
  }

  /** The soak's checkpoints are scratch: a new soak starts without them. */
  private static void deleteEarlierSoak(Path checkpoints) throws IOException {
    if (!Files.isDirectory(checkpoints)) {
      return;
    }
    try (Stream<Path> files = Files.walk(checkpoints)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(file);
      }
    }
  }
}
