package dev.rankwise.runtime.lora;

import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Per-task LoRA trains whatever the number of tasks. With one task, its update was concatenated
 * from a list of one, which DJL's {@code NDArrays.concat} answers with a {@code duplicate()} that
 * autograd does not see through: A and B never received a gradient (found training one task
 * through the CLI: lora_B stayed exactly 0).
 */
class PerTaskLoraTrainingTest extends ManagedArrays {

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void everyTasksAdapterReceivesUpdates(int tasks) {
    Engine.getInstance().setRandomSeed(3);
    List<String> names = List.of("a", "b", "c").subList(0, tasks);
    PerTaskLoraLinear layer = PerTaskLoraLinear.wrap(TestModels.linear(manager, 8, 6, true, DataType.FLOAT32),
        LoraConfig.builder().setRanks(2, 2).optPerTask(true).build(), new TaskRouterConfig(names, false, 0), 1);
    NDArray input = manager.randomNormal(new Shape(24, 8));
    long[] ids = new long[24];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = i % tasks;
    }
    NDArray target = manager.randomNormal(new Shape(24, 6));
    Map<String, float[]> before = new java.util.LinkedHashMap<>();
    layer.adapterParameters().forEach((name, parameter) -> before.put(name, parameter.getArray().toFloatArray()));

    TestModels.train(layer, List.copyOf(layer.adapterParameters().values()), manager, input, manager.create(ids),
        prediction -> prediction.sub(target).square().mean(), 5, 0.01f);

    for (Map.Entry<String, Parameter> parameter : layer.adapterParameters().entrySet()) {
      assertFalse(Arrays.equals(before.get(parameter.getKey()), parameter.getValue().getArray().toFloatArray()),
          parameter.getKey() + " did not change in 5 steps with " + tasks + " task(s)");
    }
  }
}
