package dev.rankwise.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.lora.PerTaskLoraLinear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every task-routed update is exactly one plain LoRA (issue "Hugging Face interop", point 2): the
 * base's output plus {@code x Aᵀ Bᵀ} from {@link AdapterLayer#plainLora} equals the adapted
 * layer's output on that task's rows, with the rank the maths gives.
 */
class PlainLoraTest extends ManagedArrays {

  private static final int IN = 12;
  private static final int OUT = 10;
  private static final TaskRouterConfig TWO_TASKS = new TaskRouterConfig(List.of("a", "b"), false, 0);

  private Linear base;
  private NDArray input;
  private NDArray baseOutput;

  @BeforeEach
  void setUp() {
    Engine.getInstance().setRandomSeed(5);
    base = TestModels.linear(manager, IN, OUT, true, DataType.FLOAT32);
    input = manager.randomNormal(new Shape(7, IN));
    baseOutput = TestModels.predict(base, manager, input);
  }

  /** Gives every up-projection random values, so that the update is not zero. */
  private void trained(AdapterLayer layer) {
    for (Map.Entry<String, Parameter> parameter : layer.adapterParameters().entrySet()) {
      if (parameter.getKey().contains("_B")) {
        NDArray values = manager.randomNormal(parameter.getValue().getArray().getShape());
        parameter.getValue().getArray().set(values.toByteBuffer());
      }
    }
  }

  /** The adapted output of the rows of {@code task} against base + x Aᵀ Bᵀ from the layer's plain LoRA. */
  private long checkTask(AdapterLayer layer, int task, boolean routed) {
    NDArray adapted = routed
        ? TestModels.predict(layer, manager, input, manager.full(new Shape(7), task).toType(DataType.INT64, false))
        : TestModels.predict(layer, manager, input);
    LowRankFactors lora = layer.plainLora(task, manager);
    NDArray plain = baseOutput.add(input.matMul(lora.a().transpose()).matMul(lora.b().transpose()));
    float difference = adapted.sub(plain).abs().max().getFloat();
    float scale = Math.max(1, adapted.abs().max().getFloat());
    assertTrue(difference <= 1e-5 * scale, "task " + task + ": max |diff| " + difference + " at scale " + scale);
    assertTrue(adapted.sub(baseOutput).abs().max().getFloat() > 1e-2, "the update is not zero");
    return lora.rank();
  }

  @Test
  void plainLoraIsItself() {
    LoraLinear layer = LoraLinear.wrap(base, LoraConfig.builder().setRanks(3, 3).optMixer(Mixer.IDENTITY).build(), 1);
    trained(layer);
    assertEquals(3, checkTask(layer, 0, false));
  }

  @Test
  void aDecomposedUpdateIsALoraOfTheSmallerRank() {
    LoraLinear narrow = LoraLinear.wrap(base, LoraConfig.builder().setRanks(2, 5).optAlpha(6).build(), 1);
    trained(narrow);
    assertEquals(2, checkTask(narrow, 0, false), "a ≤ b: A = A', B = s B' T");
    setUp();
    LoraLinear wide = LoraLinear.wrap(base, LoraConfig.builder().setRanks(5, 3).build(), 2);
    trained(wide);
    assertEquals(3, checkTask(wide, 0, false), "a > b: A = T A', B = s B'");
  }

  @Test
  void perTaskLoraGivesEachTaskItsOwn() {
    PerTaskLoraLinear layer = PerTaskLoraLinear.wrap(base, LoraConfig.builder().setRanks(4, 2).build(), TWO_TASKS, 1);
    trained(layer);
    assertEquals(2, checkTask(layer, 0, true));
    assertEquals(2, checkTask(layer, 1, true));
  }

  @Test
  void taskRoutedExpertsGiveEachTaskItsChosenExperts() {
    for (boolean adaptive : new boolean[] {false, true}) {
      TaskRouterConfig router = new TaskRouterConfig(List.of("a", "b"), adaptive, 0);
      RankExpertsLinear layer = RankExpertsLinear.wrap(base, RankExpertsConfig.builder().setExperts(6, 3).build(),
          Optional.of(router), 1);
      trained(layer);
      for (int task = 0; task < 2; task++) {
        assertEquals(layer.selectedExperts(task).length, checkTask(layer, task, true), "adaptive " + adaptive);
      }
    }
  }

  @Test
  void tokenRoutedExpertsSayTheyHaveNoPlainForm() {
    RankExpertsLinear layer = RankExpertsLinear.wrap(base, RankExpertsConfig.builder().setExperts(6, 3).build(),
        Optional.empty(), 1);
    IllegalStateException error = assertThrows(IllegalStateException.class, () -> layer.plainLora(0, manager));
    assertTrue(error.getMessage().contains("every token picks its own experts"), error.getMessage());
  }
}
