package dev.rankwise.runtime.experts;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Random;
import java.util.function.BiFunction;

/**
 * Task routing with a fixed number of experts ({@code @TaskRouter}): each task keeps its {@code
 * topK} best-scored experts with weight 1, a hard mask, so a task's adapter is a fixed subset and
 * merges per task. Each task's offsets start with a bonus on its own block of experts, so that
 * tasks start apart.
 */
final class TaskGate extends AbstractTaskGate {

  /**
   * Starting bonus of each task's offsets on its own block of topK experts (task t's block starts
   * at expert ⌊t·R/T⌋), so tasks start apart; with random starts alone, tasks that began on the same
   * experts often stayed there.
   */
  static final float START_BONUS = 2f;

  TaskGate(RankExpertsConfig config, TaskRouterConfig router, long in, NDManager manager,
      Random random, BiFunction<String, NDArray, Parameter> add) {
    super(config, router, in, startingOffsets(config, router), manager, random, add);
  }

  private static float[] startingOffsets(RankExpertsConfig config, TaskRouterConfig router) {
    int tasks = router.tasks().size();
    int count = config.count();
    float[] offsets = new float[tasks * count];
    for (int task = 0; task < tasks; task++) {
      int first = task * count / tasks;
      for (int j = 0; j < config.topK(); j++) {
        offsets[task * count + (first + j) % count] = START_BONUS;
      }
    }
    return offsets;
  }

  @Override
  NDArray hardMask(
      ParameterStore store, NDArray scores, NDArray oneHot, RoutingContext routing, boolean training) {
    return RankExpertsLinear.topKMask(scores, config.topK());
  }

  @Override
  int expertsUsed(int task, NDManager scratch) {
    return config.topK();
  }
}
