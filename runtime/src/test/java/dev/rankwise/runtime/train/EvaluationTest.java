package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Blocks;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.loss.Loss;
import dev.rankwise.runtime.ManagedArrays;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What Hugging Face Trainer users expect: evaluation on validation rows every N steps, the best
 * weights kept at the end, early stopping with patience, a listener told of each of them, heads and
 * losses per task, and a frozen model with only heads (a linear probe).
 */
class EvaluationTest extends ManagedArrays {

  private static final String TASK = "sign";

  /** A small classifier whose output is the logits, every parameter trainable. */
  private SequentialBlock classifier() {
    Engine.getInstance().setRandomSeed(5);
    SequentialBlock block = new SequentialBlock()
        .add(Linear.builder().setUnits(8).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(2).build());
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
    return block;
  }

  /** Rows labelled [x0 > 0], or the opposite when {@code flipped}. */
  private NDArray[] rows(int size, long seed, boolean flipped) {
    Random random = new Random(seed);
    float[] x = new float[size * 4];
    float[] y = new float[size];
    for (int i = 0; i < size; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) random.nextGaussian();
      }
      y[i] = (x[i * 4] > 0) != flipped ? 1 : 0;
    }
    return new NDArray[] {manager.create(x, new Shape(size, 4)), manager.create(y)};
  }

  /**
   * A task whose validation labels contradict its training labels: the better it trains, the worse
   * it validates, so the first evaluation is the best and every later one is worse.
   */
  private TaskData contradicted() {
    NDArray[] train = rows(256, 1, false);
    NDArray[] test = rows(128, 3, false);
    NDArray[] validation = rows(128, 2, true);
    return new TaskData(TASK, 2, train[0], train[1], test[0], test[1]).withValidation(validation[0], validation[1]);
  }

  private static TrainingConfig.Builder config() {
    return TrainingConfig.builder().setLearningRate(0.05).optEpochs(5).optBatchSize(16).optEvaluateEvery(10);
  }

  private static Map<String, float[]> weights(SequentialBlock block) {
    Map<String, float[]> weights = new LinkedHashMap<>();
    block.getParameters().forEach(p -> weights.put(p.getKey(), p.getValue().getArray().toFloatArray()));
    return weights;
  }

  private static void assertSameWeights(Map<String, float[]> expected, Map<String, float[]> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), name));
  }

  /** Records every event as a line, and the weights at each evaluation. */
  private static final class Recorder implements TrainerListener {
    final List<String> events = new ArrayList<>();
    final Map<Integer, Map<String, float[]>> weightsAt = new LinkedHashMap<>();
    private final SequentialBlock block;

    Recorder(SequentialBlock block) {
      this.block = block;
    }

    @Override
    public void onTrainingBegin(int firstStep, int totalSteps) {
      events.add("begin " + firstStep + "/" + totalSteps);
    }

    @Override
    public void onStep(int step, double loss) {
      events.add("step " + step);
    }

    @Override
    public void onEvaluation(Evaluation evaluation, boolean improved) {
      events.add("evaluation " + evaluation.step() + (improved ? " best" : ""));
      if (block != null) {
        weightsAt.put(evaluation.step(), weights(block));
      }
    }

    @Override
    public void onCheckpointSaved(int step, Path file) {
      events.add("saved " + file.getFileName());
    }

    @Override
    public void onTrainingEnd(TrainingResult result) {
      events.add("end");
    }
  }

  private TrainingResult fit(TrainingConfig config, SequentialBlock block, TrainerListener listener) {
    return TaskTrainer.builder().setConfig(config).optListener(listener).build()
        .fit(block, TaskHeads.identity(List.of(TASK)), List.of(contradicted()));
  }

  @Test
  void keepsTheWeightsOfTheBestEvaluation() {
    SequentialBlock block = classifier();
    Recorder recorder = new Recorder(block);
    TrainingResult result = fit(config().optKeepBest(true).build(), block, recorder);

    assertEquals(List.of(10, 20, 30, 40, 50, 60, 70, 80),
        result.evaluations().stream().map(Evaluation::step).toList(), "every 10 steps and after the last");
    int lowestLoss = result.evaluations().stream()
        .min(Comparator.comparingDouble(e -> e.score(TaskMetrics.Metric.LOSS))).orElseThrow().step();
    assertEquals(lowestLoss, result.bestStep());
    assertEquals(10, result.bestStep(), "validation contradicts training: the first evaluation is the best");
    assertSameWeights(recorder.weightsAt.get(10), weights(block));
    assertEquals(result.metrics(), TaskTrainer.builder().setConfig(config().build()).build()
        .evaluate(block, TaskHeads.identity(List.of(TASK)), List.of(contradicted())), "tested with the kept weights");
    assertFalse(result.stoppedEarly());

    SequentialBlock last = classifier();
    Recorder lastRecorder = new Recorder(last);
    TrainingResult withoutKeepBest = fit(config().build(), last, lastRecorder);
    assertEquals(10, withoutKeepBest.bestStep(), "the best is reported either way");
    assertSameWeights(lastRecorder.weightsAt.get(80), weights(last));
    assertFalse(java.util.Arrays.equals(lastRecorder.weightsAt.get(10).values().iterator().next(),
        weights(last).values().iterator().next()), "the last weights are not the best's");
  }

  @Test
  void stopsEarlyAfterPatienceEvaluationsWithoutABetterOne() {
    SequentialBlock block = classifier();
    Recorder recorder = new Recorder(block);
    TrainingResult result = fit(config().optEarlyStopping(2).optKeepBest(true).build(), block, recorder);

    assertTrue(result.stoppedEarly());
    assertEquals(30, result.steps(), "best at 10, worse at 20 and 30: stop after 30 of 80 steps");
    assertEquals(30, result.learningRates().size());
    assertEquals(List.of(10, 20, 30), result.evaluations().stream().map(Evaluation::step).toList());
    assertSameWeights(recorder.weightsAt.get(10), weights(block));
    assertEquals("evaluation 10 best", recorder.events.get(10));
    assertEquals(List.of("evaluation 30", "step 30", "end"), recorder.events.subList(recorder.events.size() - 3,
        recorder.events.size()));
  }

  @Test
  void theListenerHearsStepsEvaluationsAndCheckpointsInOrder(@TempDir Path directory) {
    SequentialBlock block = classifier();
    Recorder recorder = new Recorder(null);
    TaskTrainer.builder().setConfig(config().optMaxSteps(10).optEvaluateEvery(5).build()).optListener(recorder)
        .optCheckpointing(Checkpointing.into(directory).withEvery(5))
        .build().fit(block, TaskHeads.identity(List.of(TASK)), List.of(contradicted()));
    assertEquals(List.of("begin 1/10", "step 1", "step 2", "step 3", "step 4",
        "evaluation 5 best", "saved checkpoint-00000005.safetensors", "step 5",
        "step 6", "step 7", "step 8", "step 9",
        "evaluation 10", "saved checkpoint-00000010.safetensors", "step 10", "end"), recorder.events);
  }

  @Test
  void eachTaskTrainsAndReportsWithItsOwnLoss() {
    SequentialBlock block = classifier();
    TaskData task = contradicted();
    TaskHeads plain = TaskHeads.identity(List.of(TASK));
    TaskHeads doubled = TaskHeads.builder()
        .add(TASK, Blocks.identityBlock(), Loss.softmaxCrossEntropyLoss("doubled", 2, -1, true, true)).build();
    TaskTrainer trainer = TaskTrainer.builder().setConfig(config().optEvaluateEvery(0).build()).build();
    double plainLoss = trainer.evaluate(block, plain, List.of(task)).get(0).loss();
    assertEquals(2 * plainLoss, trainer.evaluate(block, doubled, List.of(task)).get(0).loss(), 1e-6 * plainLoss);

    Map<String, float[]> initial = weights(block);
    TrainingResult plainRun = trainer.fit(block, plain, List.of(task));
    block.getParameters().forEach(p -> p.getValue().getArray().set(initial.get(p.getKey())));
    TrainingResult doubledRun = trainer.fit(block, doubled, List.of(task));
    double first = plainRun.taskLosses().get(TASK).get(0);
    assertEquals(2 * first, doubledRun.taskLosses().get(TASK).get(0), 1e-6 * first,
        "the same first batch and weights, the loss weighted twice");
  }

  @Test
  void aFrozenModelWithLinearHeadsTrainsOnlyTheHeads() {
    Engine.getInstance().setRandomSeed(4);
    SequentialBlock encoder = new SequentialBlock().add(Linear.builder().setUnits(16).build()).add(Activation::relu);
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    encoder.freezeParameters(true);
    float[] frozen = encoder.getParameters().valueAt(0).getArray().toFloatArray();
    List<TaskData> tasks = ToyTasks.tasks(manager, 64).subList(0, 2);

    List<Map<String, float[]>> heads = new ArrayList<>();
    TrainingResult result = null;
    for (long seed : new long[] {1, 2}) {
      Engine.getInstance().setRandomSeed(7);
      TaskHeads linear = TaskHeads.forTasks(tasks, 16, manager);
      // Full batches in row order: the seed changes nothing.
      TrainingConfig config = TrainingConfig.builder().setLearningRate(0.05).optEpochs(150).optBatchSize(128)
          .optShuffle(false).optSeed(seed).optMaxGradNorm(0).optDecay(TrainingConfig.Decay.CONSTANT, 1).build();
      result = TaskTrainer.builder().setConfig(config).optSampling(new TaskSampling.RoundRobin()).build()
          .fit(encoder, linear, tasks);
      Map<String, float[]> trained = new LinkedHashMap<>();
      for (Map.Entry<String, Parameter> parameter : linear.namedParameters().entrySet()) {
        trained.put(parameter.getKey(), parameter.getValue().getArray().toFloatArray());
      }
      heads.add(trained);
    }
    assertEquals(150, result.steps());
    assertArrayEquals(frozen, encoder.getParameters().valueAt(0).getArray().toFloatArray(), "the encoder stayed");
    assertSameWeights(heads.get(0), heads.get(1));
    for (TaskMetrics metrics : result.metrics()) {
      assertTrue(metrics.accuracy() > 0.7, metrics.toString());
    }
    assertTrue(result.losses().get(149) < 0.8 * result.losses().get(0), "the heads learned: " + result.losses());
  }
}
