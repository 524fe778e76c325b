package dev.rankwise.runtime.experts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.internal.Initializers;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.internal.RoutingContext;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RankExpertsLinearTest extends ManagedArrays {

  private static final int FEATURES = 16;
  private static final TaskRouterConfig TWO_TASKS = new TaskRouterConfig(List.of("a", "b"), false, 0);

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(11);
  }

  private Linear base() {
    return TestModels.linear(manager, FEATURES, FEATURES, true, DataType.FLOAT32);
  }

  private NDArray taskIds(int rows, int... pattern) {
    long[] ids = new long[rows];
    for (int i = 0; i < rows; i++) {
      ids[i] = pattern[i % pattern.length];
    }
    return manager.create(ids);
  }

  @Test
  void atStepZeroTheAdaptedLayerEqualsTheBaseBitForBit() {
    Linear base = base();
    NDArray input = manager.randomNormal(new Shape(6, FEATURES));
    NDArray expected = TestModels.predict(base, manager, input);
    RankExpertsConfig config = RankExpertsConfig.builder().setExperts(4, 2).build();

    RankExpertsLinear routed = RankExpertsLinear.wrap(base, config, Optional.of(TWO_TASKS), 1);
    assertTrue(expected.contentEquals(TestModels.predict(routed, manager, input, taskIds(6, 0, 1))));
    RankExpertsLinear tokens = RankExpertsLinear.wrap(base, config, Optional.empty(), 1);
    assertTrue(expected.contentEquals(TestModels.predict(tokens, manager, input)));
  }

  @Test
  void withoutTaskIdsATaskRoutedLayerSaysHowToGiveThem() {
    RankExpertsLinear routed = RankExpertsLinear.wrap(
        base(), RankExpertsConfig.builder().setExperts(4, 2).build(), Optional.of(TWO_TASKS), 1);
    IllegalStateException error = assertThrows(IllegalStateException.class,
        () -> TestModels.predict(routed, manager, manager.ones(new Shape(2, FEATURES))));
    assertTrue(error.getMessage().contains("no task ids were given: forward through a RoutedBlock"),
        error.getMessage());
  }

  @Test
  void taskIdsOutsideTheDeclarationOrOfTheWrongCountAreErrors() {
    RankExpertsLinear routed = RankExpertsLinear.wrap(
        base(), RankExpertsConfig.builder().setExperts(4, 2).build(), Optional.of(TWO_TASKS), 1);
    NDArray input = manager.ones(new Shape(3, FEATURES));
    IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
        () -> TestModels.predict(routed, manager, input, manager.create(new long[] {0, 2, 1})));
    assertTrue(range.getMessage().contains("task ids must be in [0, 2), got 2"), range.getMessage());
    IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
        () -> TestModels.predict(routed, manager, input, manager.create(new long[] {0, 1})));
    assertTrue(count.getMessage().contains("2 task ids but the input has 3 rows"), count.getMessage());
  }

  @Test
  void theGatesReceiveGradientsAndChangeDuringTraining() {
    RankExpertsLinear layer = RankExpertsLinear.wrap(
        base(), RankExpertsConfig.builder().setExperts(6, 2).build(), Optional.of(TWO_TASKS), 1);
    NDArray input = manager.randomNormal(new Shape(32, FEATURES));
    NDArray ids = taskIds(32, 0, 1);
    NDArray target = manager.randomNormal(new Shape(32, FEATURES));
    // One step from B = 0 gives the gates no gradient (the update is zero): move B first.
    layer.expertsB().getArray().set(manager.randomNormal(new Shape(FEATURES, 6)).toFloatArray());

    try (GradientCollector collector = Engine.getInstance().newGradientCollector();
        RoutingContext routing = RoutingContext.open(ids)) {
      NDArray output = layer.forward(new ParameterStore(manager, false), new NDList(input), true)
          .singletonOrThrow();
      collector.backward(output.sub(target).square().mean());
      for (Parameter parameter : layer.routingParameters().values()) {
        float norm = parameter.getArray().getGradient().abs().sum().getFloat();
        assertTrue(norm > 0, parameter.getName() + " received no gradient");
      }
    }

    float[] embeddingBefore = layer.routingParameters().get(RankExpertsLinear.TASK_EMBEDDING).getArray().toFloatArray();
    float[] gateBefore = layer.routingParameters().get(RankExpertsLinear.GATE).getArray().toFloatArray();
    TestModels.train(layer, List.copyOf(layer.adapterParameters().values()), manager, input, ids,
        prediction -> prediction.sub(target).square().mean(), 20, 0.01f);
    assertFalse(Arrays.equals(embeddingBefore,
        layer.routingParameters().get(RankExpertsLinear.TASK_EMBEDDING).getArray().toFloatArray()));
    assertFalse(Arrays.equals(gateBefore,
        layer.routingParameters().get(RankExpertsLinear.GATE).getArray().toFloatArray()));
  }

  /** ΔW of a task: the sum of u_i v_i^T over the given unit directions. */
  private NDArray planted(NDArray u, NDArray v, int from, int to) {
    NDArray us = u.get(new NDIndex("{}:{}", from, to));
    NDArray vs = v.get(new NDIndex("{}:{}", from, to));
    return us.transpose().matMul(vs);
  }

  /** Per-task relative losses after training a layer on two tasks with disjoint planted changes. */
  private double[] fitTwoTasks(Linear layer, Linear base, List<Parameter> trainable, int[][] directions) {
    Random random = new Random(42);
    NDArray u = Initializers.orthogonal(manager, 4, FEATURES, random);
    NDArray v = Initializers.orthogonal(manager, 4, FEATURES, random);
    NDArray input = manager.randomNormal(new Shape(512, FEATURES));
    NDArray ids = taskIds(512, 0, 1);
    NDArray isOne = ids.toType(DataType.FLOAT32, false).expandDims(-1);
    NDArray delta0 = input.matMul(planted(u, v, directions[0][0], directions[0][1]).transpose());
    NDArray delta1 = input.matMul(planted(u, v, directions[1][0], directions[1][1]).transpose());
    NDArray change = delta0.mul(isOne.onesLike().sub(isOne)).add(delta1.mul(isOne));
    NDArray target = TestModels.predict(base, manager, input).add(change);
    TestModels.train(layer, trainable, manager, input, ids,
        prediction -> prediction.sub(target).square().mean(), 800, 0.02f);
    NDArray error = TestModels.predict(layer, manager, input, ids).sub(target).square().mean(new int[] {1});
    NDArray initial = change.square().mean(new int[] {1});
    double[] relative = new double[2];
    for (int task = 0; task < 2; task++) {
      NDArray rows = ids.eq(task).toType(DataType.FLOAT32, false);
      relative[task] = error.mul(rows).sum().getFloat() / initial.mul(rows).sum().getFloat();
    }
    return relative;
  }

  @Test
  void taskRoutingSeparatesDisjointTasksThatOneSharedAdapterCannot() {
    Linear base = base();
    int[][] disjoint = {{0, 2}, {2, 4}};
    RankExpertsLinear experts = RankExpertsLinear.wrap(
        base, RankExpertsConfig.builder().setExperts(4, 2).build(), Optional.of(TWO_TASKS), 3);
    double[] routed = fitTwoTasks(experts, base, List.copyOf(experts.adapterParameters().values()), disjoint);

    Set<Integer> first = Arrays.stream(experts.selectedExperts(0)).boxed().collect(Collectors.toSet());
    Set<Integer> second = Arrays.stream(experts.selectedExperts(1)).boxed().collect(Collectors.toSet());
    System.out.printf("task routing: relative losses %.2e / %.2e, experts %s / %s%n",
        routed[0], routed[1], first, second);
    Set<Integer> overlap = new HashSet<>(first);
    overlap.retainAll(second);
    assertTrue(overlap.isEmpty(), "the tasks share experts " + overlap);
    assertTrue(routed[0] < 0.01 && routed[1] < 0.01, Arrays.toString(routed));

    // One shared adapter with as many trainable parameters (rank 4: 4·16 + 4·16 = 128 = R·(in+out)).
    Linear sharedBase = TestModels.linear(manager, FEATURES, FEATURES, true, DataType.FLOAT32);
    sharedBase.getParameters().get("weight").getArray().set(base.getParameters().get("weight").getArray().toFloatArray());
    sharedBase.getParameters().get("bias").getArray().set(base.getParameters().get("bias").getArray().toFloatArray());
    LoraLinear shared = LoraLinear.wrap(sharedBase,
        LoraConfig.builder().setRanks(4, 4).optMixer(Mixer.IDENTITY).build(), 3);
    double[] single = fitTwoTasks(shared, sharedBase, List.copyOf(shared.adapterParameters().values()), disjoint);
    System.out.printf("shared LoRA r=4: relative losses %.3f / %.3f%n", single[0], single[1]);
    assertTrue(single[0] > 0.3 && single[1] > 0.3, Arrays.toString(single));
  }

  @Test
  void adaptiveTasksWithPlantedRanksTwoAndSixUseDifferentNumbersOfExperts() {
    Linear base = base();
    TaskRouterConfig adaptive = new TaskRouterConfig(List.of("low", "high"), true, 0);
    RankExpertsLinear layer = RankExpertsLinear.wrap(
        base, RankExpertsConfig.builder().setExperts(8, 6).build(), Optional.of(adaptive), 7);
    Random random = new Random(5);
    NDArray u = Initializers.orthogonal(manager, 8, FEATURES, random);
    NDArray v = Initializers.orthogonal(manager, 8, FEATURES, random);
    NDArray input = manager.randomNormal(new Shape(512, FEATURES));
    NDArray ids = taskIds(512, 0, 1);
    NDArray isHigh = ids.toType(DataType.FLOAT32, false).expandDims(-1);
    NDArray low = input.matMul(planted(u, v, 0, 2).transpose());
    NDArray high = input.matMul(planted(u, v, 2, 8).transpose());
    NDArray target = TestModels.predict(base, manager, input)
        .add(low.mul(isHigh.onesLike().sub(isHigh))).add(high.mul(isHigh));
    TestModels.train(layer, List.copyOf(layer.adapterParameters().values()), manager, input, ids,
        prediction -> prediction.sub(target).square().mean(), 800, 0.02f);

    int lowRank = layer.selectedExperts(0).length;
    int highRank = layer.selectedExperts(1).length;
    System.out.printf("adaptive: task of rank 2 uses %d experts %s, task of rank 6 uses %d %s%n",
        lowRank, Arrays.toString(layer.selectedExperts(0)), highRank, Arrays.toString(layer.selectedExperts(1)));
    assertTrue(lowRank < highRank, lowRank + " vs " + highRank);
  }

  @Test
  void aMixedBatchGivesRowForRowTheOutputsOfSingleTaskBatches() {
    RankExpertsLinear layer = RankExpertsLinear.wrap(
        base(), RankExpertsConfig.builder().setExperts(6, 2).build(), Optional.of(TWO_TASKS), 1);
    layer.expertsB().getArray().set(manager.randomNormal(new Shape(FEATURES, 6)).toFloatArray());
    NDArray input = manager.randomNormal(new Shape(8, 3, FEATURES));
    NDArray ids = taskIds(8, 0, 1, 1);

    NDArray mixed = TestModels.predict(layer, manager, input, ids);
    long[] tasks = ids.toLongArray();
    for (int row = 0; row < 8; row++) {
      NDArray single = TestModels.predict(layer, manager, input.get(new NDIndex("{}:{}", row, row + 1)),
          manager.create(new long[] {tasks[row]}));
      assertTrue(single.allClose(mixed.get(new NDIndex("{}:{}", row, row + 1)), 1e-6, 1e-6, false), "row " + row);
    }
  }

  @Test
  void aTaskMergesIntoTheBaseAndUnmergesExactly() {
    RankExpertsLinear layer = RankExpertsLinear.wrap(
        base(), RankExpertsConfig.builder().setExperts(6, 3).optAlpha(6).build(), Optional.of(TWO_TASKS), 1);
    layer.expertsB().getArray().set(manager.randomNormal(new Shape(FEATURES, 6)).toFloatArray());
    NDArray input = manager.randomNormal(new Shape(5, FEATURES));
    float[] original = layer.baseWeight().getArray().toFloatArray();
    IllegalStateException whole = assertThrows(IllegalStateException.class, layer::merge);
    assertTrue(whole.getMessage().contains("mergeTask"), whole.getMessage());

    for (int task = 0; task < 2; task++) {
      NDArray routed = TestModels.predict(layer, manager, input, taskIds(5, task));
      layer.mergeTask(task);
      NDArray merged = TestModels.predict(layer, manager, input);
      assertTrue(routed.allClose(merged, 1e-5, 1e-5, false), "task " + task);
      layer.unmerge();
      assertArrayEquals(original, layer.baseWeight().getArray().toFloatArray());
    }
    assertNotEquals(Arrays.toString(layer.selectedExperts(0)), "[]");
  }

  @Test
  void tokenRoutedExpertsRefuseToMerge() {
    RankExpertsLinear layer = RankExpertsLinear.wrap(
        base(), RankExpertsConfig.builder().setExperts(4, 2).build(), Optional.empty(), 1);
    IllegalStateException error = assertThrows(IllegalStateException.class, () -> layer.mergeTask(0));
    assertEquals("token-routed rank experts cannot be merged: every token picks its own experts",
        error.getMessage());
  }

  /** Share of routing slots each expert gets on a batch. */
  private double[] load(RankExpertsLinear layer, NDArray input) {
    NDArray scores = Linear.linear(input, layer.routingParameters().get(RankExpertsLinear.ROUTER).getArray())
        .singletonOrThrow().softmax(-1);
    NDArray share = RankExpertsLinear.topKMask(scores, layer.config().topK()).mean(new int[] {0});
    float[] values = share.toFloatArray();
    double[] shares = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      shares[i] = values[i] / layer.config().topK();
    }
    return shares;
  }

  @Test
  void tokenRoutingWithBalancingStarvesNoExpert() {
    // Shifted inputs: every token looks alike to a fresh router, which invites collapse.
    NDArray input = manager.randomNormal(new Shape(256, FEATURES)).add(manager.create(1f));
    NDArray target = manager.randomNormal(new Shape(256, FEATURES));
    double[][] loads = new double[2][];
    double[] balances = {0, 0.5};
    for (int run = 0; run < 2; run++) {
      RankExpertsLinear layer = RankExpertsLinear.wrap(base(),
          RankExpertsConfig.builder().setExperts(8, 2).optBalance(balances[run]).build(), Optional.empty(), 5);
      TestModels.train(layer, List.copyOf(layer.adapterParameters().values()), manager, input,
          prediction -> prediction.sub(target).square().mean(), 300, 0.02f);
      loads[run] = load(layer, input);
      System.out.printf("token routing, balance %.1f: load %s%n", balances[run], Arrays.toString(
          Arrays.stream(loads[run]).map(x -> Math.round(x * 1000) / 1000.0).toArray()));
    }
    for (double share : loads[1]) {
      assertTrue(share > 0.02, "an expert is starved with balancing on: " + Arrays.toString(loads[1]));
    }
  }
}
