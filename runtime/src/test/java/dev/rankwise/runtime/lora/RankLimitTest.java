package dev.rankwise.runtime.lora;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A frozen base plus a planted change of rank 4 with singular values (1, 1, 1, 1): an adapter of
 * rank bound min(a, b) ≥ 4 recovers it; one of rank bound 2 can at best remove two of the four
 * unit directions, leaving half of the change's energy (relative loss ≈ 0.5 on isotropic inputs).
 */
class RankLimitTest extends ManagedArrays {

  private static final int FEATURES = 16;
  private static final int PLANTED_RANK = 4;

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(3);
  }

  @ParameterizedTest(name = "rankA={0} rankB={1} {2}")
  @CsvSource({"4, 8, LEARNED, true", "4, 4, LEARNED, true", "4, 4, IDENTITY, true",
      "8, 4, LEARNED, true", "2, 8, LEARNED, false", "2, 2, IDENTITY, false"})
  void anAdapterRecoversAPlantedChangeOnlyWithEnoughRank(
      int rankA, int rankB, Mixer mixer, boolean recovers) {
    Linear base = TestModels.linear(manager, FEATURES, FEATURES, true, DataType.FLOAT32);
    NDArray input = manager.randomNormal(new Shape(512, FEATURES));
    NDArray target =
        TestModels.predict(base, manager, input).add(input.matMul(plantedChange().transpose()));
    double initialLoss = mse(TestModels.predict(base, manager, input), target);

    LoraConfig config = LoraConfig.builder().setRanks(rankA, rankB).optMixer(mixer).build();
    LoraLinear adapter = LoraLinear.wrap(base, config, 1);
    List<ai.djl.nn.Parameter> trainable = List.copyOf(adapter.adapterParameters().values());
    TestModels.train(
        adapter, trainable, manager, input,
        prediction -> prediction.sub(target).square().mean(), 600, 0.02f);
    double relative = mse(TestModels.predict(adapter, manager, input), target) / initialLoss;

    System.out.printf("rank limit: rankA=%d rankB=%d %s relative loss %.3g%n", rankA, rankB, mixer, relative);
    if (recovers) {
      assertTrue(relative < 1e-3, "rank " + config.rank() + " should recover it, relative loss " + relative);
    } else {
      assertTrue(relative > 0.3, "rank " + config.rank() + " cannot, relative loss " + relative);
    }
  }

  /** U V^T with orthonormal U, V of 4 columns: rank 4, every singular value 1. */
  private NDArray plantedChange() {
    Random random = new Random(42);
    NDArray u = dev.rankwise.runtime.internal.Initializers.orthogonal(manager, PLANTED_RANK, FEATURES, random);
    NDArray v = dev.rankwise.runtime.internal.Initializers.orthogonal(manager, PLANTED_RANK, FEATURES, random);
    return u.transpose().matMul(v);
  }

  private static double mse(NDArray prediction, NDArray target) {
    return prediction.sub(target).square().mean().getFloat();
  }
}
