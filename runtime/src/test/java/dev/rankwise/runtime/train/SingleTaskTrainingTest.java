package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.ManagedArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * One task is a list of one: a plain DJL block whose output already is the logits (identity head),
 * trained on its unfrozen parameters, evaluated on validation rows every N steps.
 */
class SingleTaskTrainingTest extends ManagedArrays {

  private static final String TASK = "sign";

  /** Two linear layers; the first is frozen, the second trains. */
  private SequentialBlock model(long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
    SequentialBlock block =
        new SequentialBlock()
            .add(Linear.builder().setUnits(8).build())
            .add(ai.djl.nn.Activation::relu)
            .add(Linear.builder().setUnits(2).build());
    block.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
    block.getChildren().valueAt(0).freezeParameters(true);
    return block;
  }

  private static List<Parameter> trainable(Block block) {
    return new ArrayList<>(block.getChildren().valueAt(2).getParameters().values());
  }

  /** The task: 256 training rows, 128 test rows, and validation rows if asked for. */
  private TaskData task(int train, boolean validation) {
    NDArray[] trainRows = data(train, 1);
    NDArray[] testRows = data(128, 3);
    TaskData task = new TaskData(TASK, 2, trainRows[0], trainRows[1], testRows[0], testRows[1]);
    if (!validation) {
      return task;
    }
    NDArray[] validationRows = data(128, 2);
    return task.withValidation(validationRows[0], validationRows[1]);
  }

  private static TrainingResult fit(TrainingConfig config, Block block, TaskData task) {
    return TaskTrainer.builder().setConfig(config).build()
        .fit(block, TaskHeads.identity(List.of(TASK)), List.of(task));
  }

  /** Label = [x0 > 0]: separable by the frozen random features plus a trained head. */
  private NDArray[] data(int size, long seed) {
    Random random = new Random(seed);
    float[] x = new float[size * 4];
    float[] y = new float[size];
    for (int i = 0; i < size; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) random.nextGaussian();
      }
      y[i] = x[i * 4] > 0 ? 1 : 0;
    }
    return new NDArray[] {manager.create(x, new Shape(size, 4)), manager.create(y, new Shape(size))};
  }

  private static TrainingConfig.Builder config() {
    return TrainingConfig.builder()
        .setLearningRate(0.05)
        .optEpochs(15)
        .optBatchSize(16)
        .optWarmupSteps(5);
  }

  @Test
  void learnsATinyTaskAndTouchesOnlyTrainableParameters() {
    // The frozen random features of seed 5 let a linear head reach 0.92 on the validation rows
    // whatever the row order (seed 1's stop at 0.90, at the bound).
    SequentialBlock block = model(5);
    float[] frozen = block.getChildren().valueAt(0).getParameters().get("weight").getArray().toFloatArray();
    float[] head = block.getChildren().valueAt(2).getParameters().get("weight").getArray().toFloatArray();

    TrainingResult result = fit(config().optEvaluateEvery(50).build(), block, task(256, true));

    assertEquals(15 * 16, result.steps());
    double early = result.losses().subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
    double late = result.losses().subList(230, 240).stream().mapToDouble(d -> d).average().orElseThrow();
    assertTrue(late < early / 2, "loss fell from " + early + " to " + late);
    Evaluation last = result.evaluations().get(result.evaluations().size() - 1);
    assertTrue(last.metrics().get(0).accuracy() > 0.9, last.toString());
    assertTrue(result.metrics(TASK).accuracy() > 0.8, "test rows: " + result.metrics());
    assertEquals(List.of(50, 100, 150, 200, 240), result.evaluations().stream().map(Evaluation::step).toList());
    assertArrayEquals(frozen,
        block.getChildren().valueAt(0).getParameters().get("weight").getArray().toFloatArray());
    assertFalse(java.util.Arrays.equals(head,
        block.getChildren().valueAt(2).getParameters().get("weight").getArray().toFloatArray()));
  }

  @Test
  void theSameSeedGivesBitwiseTheSameWeights() {
    float[][] runs = new float[2][];
    for (int run = 0; run < 2; run++) {
      SequentialBlock block = model(3);
      fit(config().optEpochs(2).optSeed(9).build(), block, task(64, false));
      runs[run] = block.getChildren().valueAt(2).getParameters().get("weight").getArray().toFloatArray();
    }
    assertArrayEquals(runs[0], runs[1]);
  }

  @Test
  void maxStepsStopsEarly() {
    SequentialBlock block = model(1);
    TrainingResult result = fit(config().optMaxSteps(7).build(), block, task(64, false));
    assertEquals(7, result.steps());
    assertEquals(0.05 * 5 / 5, result.learningRates().get(4), 1e-9, "warm-up peaks at step 5");
  }

  @Test
  void aNonFiniteLossStopsAtItsStepAndUpdatesNothing() {
    SequentialBlock block = model(1);
    List<Parameter> parameters = trainable(block);
    AtomicInteger calls = new AtomicInteger();
    List<float[]> beforeStepFour = new ArrayList<>();
    // The fourth forward pass returns NaN; it runs before step 4's update, so it sees the weights
    // that step 4 must leave as they are.
    block.add(new LambdaBlock(list -> {
      if (calls.incrementAndGet() != 4) {
        return list;
      }
      parameters.forEach(p -> beforeStepFour.add(p.getArray().toFloatArray()));
      NDArray x = list.singletonOrThrow();
      return new NDList(x.mul(x.getManager().create(Float.NaN)));
    }));

    NonFiniteLossException error = assertThrows(NonFiniteLossException.class,
        () -> fit(config().build(), block, task(256, false)));

    assertEquals(4, error.step());
    assertTrue(error.getMessage().startsWith("training stopped at step 4: the loss of task 'sign' is NaN"),
        error.getMessage());
    for (int i = 0; i < parameters.size(); i++) {
      assertArrayEquals(beforeStepFour.get(i), parameters.get(i).getArray().toFloatArray());
    }
  }

  @Test
  void configValuesAreValidatedWithTheirNames() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> TrainingConfig.builder().setLearningRate(-1).build());
    assertEquals("learningRate must be finite and positive, got -1.0", error.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrainingConfig.builder().build());
    assertEquals("batchSize must be at least 1, got 0", assertThrows(IllegalArgumentException.class,
        () -> config().optBatchSize(0).build()).getMessage());
    assertEquals("keepBest and patience pick evaluations, but evaluateEvery is 0: set evaluateEvery to the"
        + " steps between evaluations", assertThrows(IllegalArgumentException.class,
            () -> config().optEarlyStopping(3).build()).getMessage());
    assertEquals("patience must be >= 0 (0 = no early stopping), got -1", assertThrows(IllegalArgumentException.class,
        () -> config().optEvaluateEvery(5).optEarlyStopping(-1).build()).getMessage());
  }

  @Test
  void evaluatingNeedsValidationRowsAndSaysHowToGiveThem() {
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> fit(config().optEvaluateEvery(10).build(), model(1), task(64, false)));
    assertEquals("task 'sign' has no validation rows, but the run evaluates every 10 steps: give it some with"
        + " TaskData.withValidation(inputs, labels), or set evaluateEvery to 0", error.getMessage());

    NDArray[] rows = data(10, 4);
    IllegalArgumentException mismatch = assertThrows(IllegalArgumentException.class,
        () -> task(64, false).withValidation(rows[0], rows[1].get("0:9")));
    assertEquals("task 'sign': validation labels (9) must be one per input row (10)", mismatch.getMessage());
  }

  @Test
  void aModelWithNothingToTrainIsRefused() {
    SequentialBlock block = model(1);
    block.freezeParameters(true);
    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> fit(config().build(), block, task(64, false)));
    assertTrue(error.getMessage().startsWith("nothing to train: every parameter of the model is frozen"),
        error.getMessage());
  }
}
