package dev.rankwise.runtime.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LoraLinearTest extends ManagedArrays {

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(7);
  }

  static Stream<Arguments> configs() {
    LoraConfig asymmetric = LoraConfig.builder().setRanks(2, 5).build();
    LoraConfig square = LoraConfig.builder().setRanks(4, 4).optAlpha(8).build();
    LoraConfig identity = LoraConfig.builder().setRanks(3, 3).optMixer(Mixer.IDENTITY).build();
    return Stream.of(
        Arguments.of(asymmetric, true, new Shape(5, 6)),
        Arguments.of(asymmetric, false, new Shape(2, 5, 6)),
        Arguments.of(square, true, new Shape(2, 5, 6)),
        Arguments.of(identity, false, new Shape(5, 6)),
        Arguments.of(identity, true, new Shape(2, 5, 6)));
  }

  @ParameterizedTest
  @MethodSource("configs")
  void atStepZeroTheAdaptedLayerEqualsTheBaseBitForBit(LoraConfig config, boolean bias, Shape in) {
    Linear base = TestModels.linear(manager, 6, 4, bias, DataType.FLOAT32);
    NDArray input = manager.randomNormal(in);
    NDArray expected = TestModels.predict(base, manager, input);

    LoraLinear adapted = LoraLinear.wrap(base, config, 1);

    assertTrue(expected.contentEquals(TestModels.predict(adapted, manager, input)));
    assertEquals(in.slice(0, in.dimension() - 1).add(4), adapted.getOutputShapes(new Shape[] {in})[0]);
  }

  @Test
  void initialisationFollowsTheDesign() {
    Linear base = TestModels.linear(manager, 64, 10, true, DataType.FLOAT32);
    LoraLinear adapted = LoraLinear.wrap(base, LoraConfig.builder().setRanks(6, 3).build(), 3);

    float bound = (float) (1 / Math.sqrt(64));
    NDArray a = adapted.loraA().getArray();
    assertEquals(new Shape(6, 64), a.getShape());
    assertTrue(a.abs().max().getFloat() <= bound);
    assertTrue(a.abs().max().getFloat() > bound / 2, "A' spans its Kaiming range");
    NDArray t = adapted.mixer().orElseThrow().getArray();
    assertEquals(new Shape(3, 6), t.getShape());
    NDArray gram = t.matMul(t.transpose());
    assertTrue(gram.sub(manager.eye(3)).abs().max().getFloat() < 1e-5, "T has orthonormal rows");
    assertEquals(0f, adapted.loraB().getArray().abs().sum().getFloat());
    assertEquals(new Shape(10, 3), adapted.loraB().getArray().getShape());
    assertSame(base.getParameters().get("weight").getArray(), adapted.baseWeight().getArray());
    assertFalse(adapted.baseWeight().requiresGradient());
    assertTrue(adapted.loraA().requiresGradient());
    assertEquals(List.of("lora_A", "lora_T", "lora_B"), List.copyOf(adapted.adapterParameters().keySet()));
  }

  @Test
  void identityMixerHasNoT() {
    Linear base = TestModels.linear(manager, 8, 8, true, DataType.FLOAT32);
    LoraLinear adapted =
        LoraLinear.wrap(base, LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).build(), 3);
    assertTrue(adapted.mixer().isEmpty());
    assertEquals(List.of("lora_A", "lora_B"), List.copyOf(adapted.adapterParameters().keySet()));
  }

  @Test
  void initialisationRepeatsForASeed() {
    Linear base = TestModels.linear(manager, 8, 8, true, DataType.FLOAT32);
    LoraConfig config = LoraConfig.builder().setRanks(2, 3).build();
    LoraLinear first = LoraLinear.wrap(base, config, 11);
    LoraLinear second = LoraLinear.wrap(base, config, 11);
    assertTrue(first.loraA().getArray().contentEquals(second.loraA().getArray()));
    assertTrue(
        first.mixer().orElseThrow().getArray().contentEquals(second.mixer().orElseThrow().getArray()));
  }

  @Test
  void forwardUsesTheScaledUpdate() {
    Linear base = TestModels.linear(manager, 6, 4, true, DataType.FLOAT32);
    LoraConfig config = LoraConfig.builder().setRanks(2, 3).optAlpha(6).build();
    LoraLinear adapted = LoraLinear.wrap(base, config, 5);
    adapted.loraB().getArray().set(manager.randomNormal(new Shape(4, 3)).toByteBuffer());
    NDArray input = manager.randomNormal(new Shape(5, 6));

    NDArray expected =
        TestModels.predict(base, manager, input)
            .add(input.matMul(adapted.deltaWeight(manager).transpose()));
    assertEquals(3.0, config.scaling());
    assertTrue(expected.allClose(TestModels.predict(adapted, manager, input), 1e-5, 1e-5, false));
  }

  @Test
  void mergedOutputEqualsUnmergedAndUnmergeRestoresTheWeightBitForBit() {
    Linear base = TestModels.linear(manager, 6, 4, true, DataType.FLOAT32);
    LoraLinear adapted = LoraLinear.wrap(base, LoraConfig.builder().setRanks(3, 2).build(), 5);
    adapted.loraB().getArray().set(manager.randomNormal(new Shape(4, 2)).toByteBuffer());
    NDArray weight = adapted.baseWeight().getArray();
    float[] original = weight.toFloatArray();
    NDArray input = manager.randomNormal(new Shape(5, 6));
    NDArray unmerged = TestModels.predict(adapted, manager, input);

    adapted.merge();
    assertTrue(adapted.isMerged());
    assertSame(weight, adapted.baseWeight().getArray(), "merge writes in place");
    assertFalse(java.util.Arrays.equals(original, weight.toFloatArray()), "merge changed W");
    NDArray merged = TestModels.predict(adapted, manager, input);
    assertTrue(unmerged.allClose(merged, 1e-5, 1e-5, false));
    assertThrows(IllegalStateException.class, adapted::merge);

    adapted.unmerge();
    assertArrayEquals(original, weight.toFloatArray());
    assertTrue(unmerged.contentEquals(TestModels.predict(adapted, manager, input)));
    assertThrows(IllegalStateException.class, adapted::unmerge);
  }

  @Test
  void mergingPlainLoraKeepsItsParametersAlive() {
    Linear base = TestModels.linear(manager, 6, 4, true, DataType.FLOAT32);
    LoraLinear adapted =
        LoraLinear.wrap(base, LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).build(), 5);
    adapted.merge();
    adapted.unmerge();
    assertEquals(12, adapted.loraA().getArray().toFloatArray().length, "lora_A is still readable");
  }

  @Test
  void safeMergeRefusesNonFiniteResultsAndChangesNothing() {
    Linear base = TestModels.linear(manager, 6, 4, true, DataType.FLOAT32);
    LoraLinear adapted = LoraLinear.wrap(base, LoraConfig.builder().setRanks(2, 2).build(), 5);
    float[] b = new float[8];
    b[3] = Float.POSITIVE_INFINITY;
    adapted.loraB().getArray().set(b);
    float[] original = adapted.baseWeight().getArray().toFloatArray();

    IllegalStateException error = assertThrows(IllegalStateException.class, adapted::merge);
    assertTrue(error.getMessage().contains("non-finite"), error.getMessage());
    assertFalse(adapted.isMerged());
    assertArrayEquals(original, adapted.baseWeight().getArray().toFloatArray());
  }

  @Test
  void dropoutActsOnlyWhileTraining() {
    Linear base = TestModels.linear(manager, 64, 4, true, DataType.FLOAT32);
    LoraConfig config = LoraConfig.builder().setRanks(2, 2).optDropout(0.5).build();
    LoraLinear adapted = LoraLinear.wrap(base, config, 5);
    adapted.loraB().getArray().set(manager.randomNormal(new Shape(4, 2)).toByteBuffer());
    LoraLinear reference = LoraLinear.wrap(base, LoraConfig.builder().setRanks(2, 2).build(), 5);
    reference.loraB().getArray().set(adapted.loraB().getArray().toByteBuffer());
    NDArray input = manager.randomNormal(new Shape(8, 64));

    NDArray inference = TestModels.predict(adapted, manager, input);
    assertTrue(inference.contentEquals(TestModels.predict(reference, manager, input)),
        "no dropout at inference");
    NDArray training =
        adapted.forward(new ParameterStore(manager, false), new NDList(input), true).singletonOrThrow();
    assertFalse(training.allClose(inference, 1e-4, 1e-4, false), "dropout while training");
  }

  @Test
  void wrappingAnUninitialisedLayerIsAClearError() {
    Linear base = Linear.builder().setUnits(3).build();
    IllegalStateException error =
        assertThrows(
            IllegalStateException.class,
            () -> LoraLinear.wrap(base, LoraConfig.builder().setRanks(1, 1).build(), 0));
    assertTrue(error.getMessage().contains("before attaching"), error.getMessage());
  }
}
