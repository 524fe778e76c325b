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
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import dev.rankwise.runtime.ManagedArrays;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class FineTunerTest extends ManagedArrays {

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

  /** Label = [x0 > 0]: separable by the frozen random features plus a trained head. */
  private ArrayDataset data(int size, long seed) {
    Random random = new Random(seed);
    float[] x = new float[size * 4];
    float[] y = new float[size];
    for (int i = 0; i < size; i++) {
      for (int j = 0; j < 4; j++) {
        x[i * 4 + j] = (float) random.nextGaussian();
      }
      y[i] = x[i * 4] > 0 ? 1 : 0;
    }
    return new ArrayDataset.Builder()
        .setData(manager.create(x, new Shape(size, 4)))
        .optLabels(manager.create(y, new Shape(size)))
        .setSampling(16, true)
        .build();
  }

  private static TrainingConfig.Builder config() {
    return TrainingConfig.builder()
        .setLearningRate(0.05)
        .optEpochs(15)
        .optBatchSize(16)
        .optWarmupSteps(5)
        .optProgress(false);
  }

  @Test
  void learnsATinyTaskAndTouchesOnlyTrainableParameters() {
    SequentialBlock block = model(1);
    float[] frozen = block.getChildren().valueAt(0).getParameters().get("weight").getArray().toFloatArray();
    float[] head = block.getChildren().valueAt(2).getParameters().get("weight").getArray().toFloatArray();

    TrainingResult result =
        new FineTuner(config().optEvaluateEvery(50).build(), Loss.softmaxCrossEntropyLoss())
            .fit(block, trainable(block), data(256, 1), data(128, 2));

    assertEquals(15 * 16, result.steps());
    double early = result.losses().subList(0, 10).stream().mapToDouble(d -> d).average().orElseThrow();
    double late = result.losses().subList(230, 240).stream().mapToDouble(d -> d).average().orElseThrow();
    assertTrue(late < early / 2, "loss fell from " + early + " to " + late);
    Evaluation last = result.finalEvaluation().orElseThrow();
    assertTrue(last.accuracy() > 0.9, last.toString());
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
      new FineTuner(config().optEpochs(2).optSeed(9).build(), Loss.softmaxCrossEntropyLoss())
          .fit(block, trainable(block), data(64, 1), null);
      runs[run] = block.getChildren().valueAt(2).getParameters().get("weight").getArray().toFloatArray();
    }
    assertArrayEquals(runs[0], runs[1]);
  }

  @Test
  void maxStepsStopsEarly() {
    SequentialBlock block = model(1);
    TrainingResult result =
        new FineTuner(config().optMaxSteps(7).build(), Loss.softmaxCrossEntropyLoss())
            .fit(block, trainable(block), data(64, 1), null);
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
        () -> new FineTuner(config().build(), Loss.softmaxCrossEntropyLoss())
            .fit(block, parameters, data(256, 1), null));

    assertEquals(4, error.step());
    assertTrue(error.getMessage().startsWith("training stopped at step 4: the loss is NaN"),
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
  }
}
