package dev.rankwise.benchmarks.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.rankwise.benchmarks.Fixture;
import dev.rankwise.benchmarks.Setup;
import dev.rankwise.benchmarks.reference.ReferenceExport;
import dev.rankwise.benchmarks.workload.Workload;
import dev.rankwise.reporting.MemorySample;
import dev.rankwise.runtime.NativeAllocator;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.route.RoutedBlock;
import dev.rankwise.runtime.train.TaskData;
import dev.rankwise.runtime.train.TaskHeads;
import dev.rankwise.runtime.train.TaskSampling;
import dev.rankwise.runtime.train.TaskTrainer;
import dev.rankwise.runtime.train.TrainerListener;
import dev.rankwise.runtime.train.TrainingConfig;
import dev.rankwise.runtime.train.TrainingResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * One training run of a setup in its own JVM, timed step by step through the trainer's {@link
 * TrainerListener}: what a user's {@link TaskTrainer} run costs, not a hand-written loop. Prints one JSON object on standard output: the measured steps' times, the first
 * losses, peak resident memory, trainable parameters and the saved adapter files' size, and memory
 * samples when asked for.
 */
@Command(name = "train-step-run", mixinStandardHelpOptions = true,
    description = "Times the training steps of one benchmark setup; prints one JSON object.")
public final class TrainStepRun implements Callable<Integer> {

  /** The first losses reported, to compare with the reference's. */
  public static final int CHECKED_LOSSES = 3;

  /** Steps the profiler records, after the warm-up. */
  public static final int PROFILED_STEPS = 2;

  @Option(names = "--setup", required = true, description = "The setup's id (Setup.ALL).")
  String setup;

  @Option(names = "--warmup", defaultValue = "10", description = "Untimed first steps (at least 3).")
  int warmup;

  @Option(names = "--measured", defaultValue = "30", description = "Timed steps after the warm-up.")
  int measured;

  @Option(names = "--sample-every", defaultValue = "0", description = "Sample memory every N steps; 0: never.")
  int sampleEvery;

  @Option(names = "--export", description = "Write the setup for the PyTorch reference into this folder.")
  Path export;

  @Option(names = "--profile", description = "Write a libtorch profiler trace of the first two measured steps here.")
  Path profile;

  @Option(names = "--save", description = "Save the trained adapters into this folder and report their size.")
  Path save;

  /** Runs as the arguments say; exit 2 on a bad argument. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new TrainStepRun()).execute(args));
  }

  @Override
  public Integer call() throws IOException {
    NativeAllocator.keepFreedMemory(); // as the command line does (docs/DESIGN.md §7)
    if (warmup < CHECKED_LOSSES || measured < 1 || sampleEvery < 0 || profile != null && measured < PROFILED_STEPS) {
      throw new ParameterException(new CommandLine(this), "--warmup must be at least " + CHECKED_LOSSES
          + ", --measured at least 1 (" + PROFILED_STEPS + " with --profile) and --sample-every at least 0");
    }
    System.out.println(new Gson().toJson(run(Setup.byId(setup), warmup, measured, sampleEvery, export, save, profile)));
    return 0;
  }

  static JsonObject run(Setup setup, int warmup, int measured, int sampleEvery, Path export, Path save,
      Path profile) throws IOException {
    int steps = warmup + measured;
    TrainingConfig config = TrainingConfig.builder().setLearningRate(1e-3).optEpochs(steps).optMaxSteps(steps)
        .optBatchSize(Workload.BATCH).optDecay(TrainingConfig.Decay.CONSTANT, 1).optWeightDecay(0.01)
        .optMaxGradNorm(1.0).optSeed(Fixture.SEED).build();
    try (NDManager manager = NDManager.newBaseManager()) {
      AdaptedModel model = Fixture.adapted(setup, manager);
      Workload workload = setup.workload();
      List<TaskData> tasks = new ArrayList<>();
      for (String task : setup.tasks()) {
        NDArray input = workload.input(manager);
        NDArray labels = workload.labels(manager);
        tasks.add(new TaskData(task, 2, input, labels, input, labels));
      }
      TaskHeads heads = TaskHeads.forTasks(tasks, workload.features(), manager);
      if (export != null) {
        exportForReference(export, setup, model, heads, tasks.get(0), config, manager);
      }
      long[] ends = new long[steps + 1];
      double[] losses = new double[steps + 1];
      List<MemorySample> samples = new ArrayList<>();
      long start = System.nanoTime();
      ends[0] = start;
      TrainerListener timer = new TrainerListener() {
        @Override
        public void onStep(int step, double loss) {
          ends[step] = System.nanoTime();
          losses[step] = loss;
          if (profile != null && step == warmup) {
            JniUtils.startProfile(false, false, false);
          } else if (profile != null && step == warmup + PROFILED_STEPS) {
            JniUtils.stopProfile(profile.toString());
          }
          if (sampleEvery > 0 && (step % sampleEvery == 0 || step == steps)) {
            samples.add(MemorySample.take(step, (ends[step] - start) / 1e9, loss));
          }
          // What the sample cost is not the next step's.
          ends[step] = System.nanoTime();
        }
      };
      TrainingResult fitted = TaskTrainer.builder().setConfig(config).optSampling(new TaskSampling.Proportional())
          .optListener(timer).build().fit(model, heads, tasks);
      JsonObject result = new JsonObject();
      result.addProperty("setup", setup.id());
      result.addProperty("engine", Engine.getInstance().getVersion());
      JsonArray times = new JsonArray();
      for (int step = warmup + 1; step <= steps; step++) {
        times.add((ends[step] - ends[step - 1]) / 1e6);
      }
      result.add("step_ms", times);
      // The objective as the reference reports it: the task loss plus the auxiliary (routing) losses.
      JsonArray first = new JsonArray();
      for (int step = 1; step <= CHECKED_LOSSES; step++) {
        double objective = losses[step];
        for (List<Double> auxiliary : fitted.auxiliaryLosses().values()) {
          objective += auxiliary.get(step - 1);
        }
        first.add(objective);
      }
      result.add("losses", first);
      result.addProperty("peak_rss_bytes", MemorySample.peakResidentBytes());
      result.addProperty("heap_committed_bytes", Runtime.getRuntime().totalMemory());
      result.addProperty("trainable_parameters", model.namedTrainableParameters().values().stream()
          .mapToLong(parameter -> parameter.getArray().size()).sum());
      if (save != null) {
        model.save(save);
        result.addProperty("adapter_file_bytes", directoryBytes(save));
      }
      if (!samples.isEmpty()) {
        result.add("memory", new Gson().toJsonTree(samples));
      }
      return result;
    }
  }

  /** Writes the setup for the reference, with this side's features on the batch (eval, unmerged). */
  private static void exportForReference(Path directory, Setup setup, AdaptedModel model, TaskHeads heads,
      TaskData task, TrainingConfig config, NDManager manager) throws IOException {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray input = task.trainInputs().duplicate();
      input.attach(scratch);
      NDArray ids = Fixture.taskIds(scratch, Workload.BATCH, 1, false);
      NDArray features = new RoutedBlock(model.block())
          .forward(new ParameterStore(scratch, false), new NDList(input, ids), false).singletonOrThrow();
      ReferenceExport.write(directory, setup, model, heads, task.trainInputs(), task.trainLabels(), ids, features,
          config);
    }
  }

  private static long directoryBytes(Path directory) throws IOException {
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(Files::isRegularFile).mapToLong(file -> {
        try {
          return Files.size(file);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).sum();
    }
  }

}
