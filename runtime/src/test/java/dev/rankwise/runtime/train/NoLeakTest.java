package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Training leaves no array behind per step (docs/DESIGN.md §7): the arrays a run adds to the model's
 * manager (the optimizer's state) do not grow with the number of steps.
 */
class NoLeakTest extends ManagedArrays {

  @Test
  void multiTaskTrainingWithRoutedExpertsLeavesNothingPerStep() {
    Engine.getInstance().setRandomSeed(1);
    SequentialBlock encoder = new SequentialBlock().add(Linear.builder().setUnits(8).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 4));
    List<String> names = List.of("a", "b");
    AdaptedModel model = AdapterSpec.builder("t")
        .target(RankExpertsConfig.builder().setExperts(4, 2).build(), "0")
        .optTaskRouter(new TaskRouterConfig(names, true, 0.1))
        .build().attach(encoder);
    List<TaskData> tasks = new ArrayList<>();
    for (String name : names) {
      NDArray x = manager.randomNormal(new Shape(32, 4));
      NDArray y = x.get(":, 0").gt(0).toType(DataType.FLOAT32, false);
      tasks.add(new TaskData(name, 2, x, y, x, y));
    }
    TaskHeads heads = TaskHeads.forTasks(tasks, 8, manager);

    long[] added = new long[2];
    int[] steps = {5, 50};
    for (int run = 0; run < 2; run++) {
      long before = manager.getManagedArrays().size();
      ToyTasks.trainer(TrainingConfig.builder().setLearningRate(1e-2).optMaxSteps(steps[run])
          .optEpochs(1000).optBatchSize(8).build(), Checkpointing.none())
          .fit(model, heads, tasks);
      added[run] = manager.getManagedArrays().size() - before;
    }
    assertEquals(added[0], added[1], "arrays left by a run of 5 steps vs 50 steps");
  }
}
