package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.model.AdaptedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointTest extends ManagedArrays {

  private static final int STEPS = 40;

  /** A run's outcome: its result and every trained value by name. */
  private record Run(TrainingResult result, Map<String, float[]> weights) {}

  private Run train(int steps, Checkpointing checkpointing, TrainingConfig.Builder config) {
    return train(steps, checkpointing, config, ToyTasks.tasks(manager, 64));
  }

  private Run train(int steps, Checkpointing checkpointing, TrainingConfig.Builder config, List<TaskData> tasks) {
    return train(steps, checkpointing, config, tasks, TrainerListener.NONE);
  }

  private Run train(int steps, Checkpointing checkpointing, TrainingConfig.Builder config, List<TaskData> tasks,
      TrainerListener listener) {
    try (NDManager runManager = manager.newSubManager()) {
      AdaptedModel model = ToyTasks.model(runManager, 1);
      TaskHeads heads = ToyTasks.heads(runManager);
      TrainingResult result = ToyTasks.trainer(config.optMaxSteps(steps).build(), checkpointing, listener)
          .fit(model, heads, tasks);
      Map<String, float[]> weights = new LinkedHashMap<>();
      model.namedTrainableParameters().forEach((name, p) -> weights.put(name, p.getArray().toFloatArray()));
      return new Run(result, weights);
    }
  }

  private static Checkpointing stopAfter(Checkpointing checkpointing, int step) {
    AtomicInteger steps = new AtomicInteger();
    return checkpointing.withStop(() -> steps.incrementAndGet() >= step);
  }

  private static void assertSameRun(Run expected, Run actual) {
    assertBitForBit(expected.weights(), actual.weights());
    assertEquals(expected.result().losses(), actual.result().losses());
    assertEquals(expected.result().taskLosses(), actual.result().taskLosses());
    assertEquals(expected.result().auxiliaryLosses(), actual.result().auxiliaryLosses());
    assertEquals(expected.result().metrics(), actual.result().metrics());
    assertEquals(expected.result().evaluations(), actual.result().evaluations());
    assertEquals(expected.result().bestStep(), actual.result().bestStep());
    assertEquals(expected.result().stoppedEarly(), actual.result().stoppedEarly());
  }

  /**
   * The same names and, for each, the same float32 bits (docs/DESIGN.md §5: a resumed run equals the
   * run that never stopped, bit for bit), reporting how many values differ and by how much at most.
   */
  static void assertBitForBit(Map<String, float[]> expected, Map<String, float[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    int differing = 0;
    int values = 0;
    double largest = 0;
    String first = null;
    for (String name : expected.keySet()) {
      float[] a = expected.get(name);
      float[] b = actual.get(name);
      assertEquals(a.length, b.length, name);
      values += a.length;
      for (int i = 0; i < a.length; i++) {
        if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) {
          differing++;
          largest = Math.max(largest, Math.abs((double) a[i] - b[i]));
          first = first == null ? name + "[" + i + "]: " + a[i] + " vs " + b[i] : first;
        }
      }
    }
    assertEquals(0, differing, differing + " of " + values + " trained values differ from the uninterrupted run's"
        + " (largest difference " + largest + ", first " + first + ")");
  }

  private static List<String> names(Path directory) throws Exception {
    try (var files = Files.list(directory)) {
      return files.map(file -> file.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void aStoppedRunResumesToTheUninterruptedRunsWeightsAndLosses(@TempDir Path directory) throws Exception {
    Run uninterrupted = train(STEPS, Checkpointing.none(), ToyTasks.config(STEPS));

    Checkpointing checkpoints = Checkpointing.into(directory).withEvery(5).withKeep(3);
    TrainingStoppedException stop = assertThrows(TrainingStoppedException.class,
        () -> train(STEPS, stopAfter(checkpoints, 17), ToyTasks.config(STEPS)));
    assertEquals(17, stop.step());
    assertEquals(directory.resolve("checkpoint-00000017.safetensors"), stop.checkpoint().orElseThrow());
    assertEquals(List.of("checkpoint-00000010.safetensors", "checkpoint-00000015.safetensors",
        "checkpoint-00000017.safetensors"), names(directory), "the newest 3 are kept");

    Run resumed = train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS));
    assertSameRun(uninterrupted, resumed);
    assertEquals(List.of("checkpoint-00000030.safetensors", "checkpoint-00000035.safetensors",
        "checkpoint-00000040.safetensors"), names(directory));
  }

  @Test
  void aCorruptNewestCheckpointIsSkippedForTheOneBefore(@TempDir Path directory) throws Exception {
    Run uninterrupted = train(STEPS, Checkpointing.none(), ToyTasks.config(STEPS));
    Checkpointing checkpoints = Checkpointing.into(directory).withEvery(5);
    assertThrows(TrainingStoppedException.class,
        () -> train(STEPS, stopAfter(checkpoints, 12), ToyTasks.config(STEPS)));
    Path newest = directory.resolve("checkpoint-00000012.safetensors");
    byte[] bytes = Files.readAllBytes(newest);
    bytes[bytes.length - 5] ^= 0x10;
    Files.write(newest, bytes);

    List<String> skipped = new ArrayList<>();
    List<String> resumes = new ArrayList<>();
    TrainerListener listener = new TrainerListener() {
      @Override
      public void onCheckpointSkipped(String reason) {
        skipped.add(reason);
      }

      @Override
      public void onResume(int step, Optional<Path> checkpoint) {
        resumes.add(step + " " + checkpoint.orElseThrow().getFileName());
      }
    };
    Run resumed = train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS), ToyTasks.tasks(manager, 64),
        listener);
    assertEquals(1, skipped.size(), skipped.toString());
    String reason = skipped.get(0);
    assertTrue(reason.contains("skipping unreadable checkpoint") && reason.contains("checkpoint-00000012")
        && reason.contains("SHA-256"), reason);
    assertEquals(List.of("10 checkpoint-00000010.safetensors"), resumes);
    assertSameRun(uninterrupted, resumed);
  }

  @Test
  void aFolderWithCheckpointsIsNeverOverwrittenOrResumedByAnotherRun(@TempDir Path directory) throws Exception {
    Checkpointing checkpoints = Checkpointing.into(directory).withEvery(5);
    train(10, checkpoints, ToyTasks.config(10));
    byte[] before = Files.readAllBytes(directory.resolve("checkpoint-00000010.safetensors"));

    IllegalArgumentException fresh = assertThrows(IllegalArgumentException.class,
        () -> train(10, checkpoints, ToyTasks.config(10)));
    assertTrue(fresh.getMessage().contains("already holds checkpoints"), fresh.getMessage());

    IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
        () -> train(10, checkpoints.withResume(true), ToyTasks.config(10).setLearningRate(1e-2)));
    assertTrue(other.getMessage().contains("belongs to another run: it has learningRate=0.02, this run learningRate=0.01"),
        other.getMessage());
    assertArrayEquals(before, Files.readAllBytes(directory.resolve("checkpoint-00000010.safetensors")));
  }

  /** The toy tasks with {@code change} applied to task "second"'s training or validation arrays. */
  private List<TaskData> changed(boolean validation, boolean labels) {
    List<TaskData> tasks = new ArrayList<>(contradicted());
    TaskData second = tasks.get(1);
    var source = validation ? (labels ? second.validationLabels() : second.validationInputs())
        : (labels ? second.trainLabels() : second.trainInputs());
    float[] values = source.toFloatArray();
    values[5] = labels ? 1 - values[5] : values[5] + 1e-3f;
    var changedArray = manager.create(values, source.getShape());
    tasks.set(1, validation
        ? second.withValidation(labels ? second.validationInputs() : changedArray,
            labels ? changedArray : second.validationLabels())
        : new TaskData(second.name(), 2, labels ? second.trainInputs() : changedArray,
            labels ? changedArray : second.trainLabels(), second.testInputs(), second.testLabels(),
            second.validationInputs(), second.validationLabels()));
    return tasks;
  }

  @Test
  void aResumeWithOtherRowsIsRefusedNamingTheTask(@TempDir Path directory) throws Exception {
    Checkpointing checkpoints = Checkpointing.into(directory).withEvery(5);
    TrainingConfig.Builder config = ToyTasks.config(STEPS).optEvaluateEvery(5);
    assertThrows(TrainingStoppedException.class,
        () -> train(STEPS, stopAfter(checkpoints, 10), config, contradicted()));
    byte[] before = Files.readAllBytes(directory.resolve("checkpoint-00000010.safetensors"));

    for (boolean labels : new boolean[] {true, false}) {
      IllegalArgumentException train = assertThrows(IllegalArgumentException.class,
          () -> train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS).optEvaluateEvery(5),
              changed(false, labels)));
      assertTrue(train.getMessage().contains("belongs to another run: the training rows of task 'second' differ"
          + " from the checkpoint's"), train.getMessage());
      IllegalArgumentException validation = assertThrows(IllegalArgumentException.class,
          () -> train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS).optEvaluateEvery(5),
              changed(true, labels)));
      assertTrue(validation.getMessage().contains("belongs to another run: the validation rows of task 'second'"
          + " differ from the checkpoint's"), validation.getMessage());
    }
    assertArrayEquals(before, Files.readAllBytes(directory.resolve("checkpoint-00000010.safetensors")));
    assertEquals(List.of("checkpoint-00000005.safetensors", "checkpoint-00000010.safetensors"), names(directory));

    Run uninterrupted = train(STEPS, Checkpointing.none(), ToyTasks.config(STEPS).optEvaluateEvery(5), contradicted());
    Run resumed = train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS).optEvaluateEvery(5), contradicted());
    assertSameRun(uninterrupted, resumed);
  }

  @Test
  void aCheckpointThatRecordedNoRowsIsRefusedSayingWhy() {
    String current = "steps=40; seed=0; task.a=64 rows; rows.a=0123456789abcdef; parameters=4 named 00";
    String older = "steps=40; seed=0; task.a=64 rows; parameters=4 named 00";
    assertTrue(RunIdentity.difference(older, current).contains("recorded no digest of its rows"),
        RunIdentity.difference(older, current));
    assertEquals("it has seed=1, this run seed=0", RunIdentity.difference(current.replace("seed=0", "seed=1"), current));
  }

  @Test
  void resumingAFinishedRunOnlyEvaluates(@TempDir Path directory) {
    Checkpointing checkpoints = Checkpointing.into(directory);
    Run first = train(8, checkpoints, ToyTasks.config(8));
    Run again = train(8, checkpoints.withResume(true), ToyTasks.config(8));
    assertSameRun(first, again);
  }

  /** The toy tasks with one training row of task "second" made NaN. */
  private List<TaskData> poisoned() {
    List<TaskData> tasks = ToyTasks.tasks(manager, 64);
    TaskData second = tasks.get(1);
    float[] inputs = second.trainInputs().toFloatArray();
    inputs[8 * 7 + 3] = Float.NaN;
    tasks.set(1, new TaskData(second.name(), 2, manager.create(inputs, second.trainInputs().getShape()),
        second.trainLabels(), second.testInputs(), second.testLabels()));
    return tasks;
  }

  @Test
  void aNonFiniteLossStopsTheRunNamingStepAndTaskUnlessSkipping(@TempDir Path directory) throws Exception {
    Checkpointing checkpoints = Checkpointing.into(directory).withEvery(1).withKeep(100);
    NonFiniteLossException stop = assertThrows(NonFiniteLossException.class,
        () -> train(STEPS, checkpoints, ToyTasks.config(STEPS), poisoned()));
    assertTrue(stop.getMessage().matches("training stopped at step \\d+: the loss of task 'second' is NaN.*"),
        stop.getMessage());
    assertEquals(stop.step() - 1, names(directory).size(), "a checkpoint for every step before it, none after");

    Run skipping = train(STEPS, Checkpointing.none(),
        ToyTasks.config(STEPS).optOnNonFinite(TrainingConfig.OnNonFinite.SKIP), poisoned());
    List<Integer> skipped = skipping.result().skippedSteps();
    System.out.println("skipped steps " + skipped);
    assertTrue(skipped.contains(stop.step()) && skipped.size() < STEPS / 2, skipped.toString());
    assertEquals(STEPS, skipping.result().losses().size());
    for (int step = 1; step <= STEPS; step++) {
      assertEquals(skipped.contains(step), Double.isNaN(skipping.result().losses().get(step - 1)), "step " + step);
    }
    assertEquals(STEPS - skipped.size(), skipping.result().taskLosses().get("second").size());
    skipping.weights().forEach((name, values) -> {
      for (float value : values) {
        assertTrue(Float.isFinite(value), name);
      }
    });
  }

  /**
   * The toy tasks validated on their test inputs with the opposite labels: the better they train,
   * the worse they validate, so the first evaluation is the best and patience runs out.
   */
  private List<TaskData> contradicted() {
    return ToyTasks.tasks(manager, 64).stream().map(task -> task.withValidation(task.testInputs(),
        manager.ones(task.testLabels().getShape()).sub(task.testLabels()))).toList();
  }

  @Test
  void anEarlyStoppedRunThatKeepsTheBestResumesToTheSameEvaluationsAndWeights(@TempDir Path directory) {
    TrainingConfig.Builder config = ToyTasks.config(STEPS).optEvaluateEvery(3).optEarlyStopping(2).optKeepBest(true);
    Run uninterrupted = train(STEPS, Checkpointing.none(), config, contradicted());
    int steps = uninterrupted.result().steps();
    assertTrue(uninterrupted.result().stoppedEarly() && steps < STEPS, "validation contradicts training: "
        + uninterrupted.result().evaluations());
    assertEquals(steps - 6, uninterrupted.result().bestStep(), "two evaluations without a better one");

    Checkpointing checkpoints = Checkpointing.into(directory).withEvery(2);
    TrainingStoppedException stop = assertThrows(TrainingStoppedException.class,
        () -> train(STEPS, stopAfter(checkpoints, 5), ToyTasks.config(STEPS).optEvaluateEvery(3)
            .optEarlyStopping(2).optKeepBest(true), contradicted()));
    assertEquals(5, stop.step());
    Run resumed = train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS).optEvaluateEvery(3)
        .optEarlyStopping(2).optKeepBest(true), contradicted());
    assertSameRun(uninterrupted, resumed);

    Run again = train(STEPS, checkpoints.withResume(true), ToyTasks.config(STEPS).optEvaluateEvery(3)
        .optEarlyStopping(2).optKeepBest(true), contradicted());
    assertSameRun(uninterrupted, again);
  }
}
