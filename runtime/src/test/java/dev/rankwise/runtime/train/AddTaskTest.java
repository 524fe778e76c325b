package dev.rankwise.runtime.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adding a task to a trained model (PEFT's {@code add_adapter}): train two toy tasks, save, load the
 * folder, add the third task, train it alone, and every earlier task's logits stay the same bit for
 * bit — right after adding, after training (with weight decay, and a contrastive loss whose
 * gradient reaches the earlier tasks' embedding rows), and after saving and loading the extended
 * folder — while the new task learns.
 */
class AddTaskTest extends ManagedArrays {

  private static final List<String> EARLIER = ToyTasks.TASKS.subList(0, 2);
  private static final String ADDED = ToyTasks.TASKS.get(2);

  @TempDir Path folder;

  @Test
  void perTaskLoraAddsATaskAndTheOthersKeepTheirLogits() throws Exception {
    addsATask(LoraConfig.builder().setRanks(2, 2).optPerTask(true).build(), false, 0);
  }

  @Test
  void taskRoutedExpertsAddATaskAndTheOthersKeepTheirLogits() throws Exception {
    addsATask(RankExpertsConfig.builder().setExperts(6, 2).build(), false, 0);
  }

  @Test
  void adaptiveExpertsWithAContrastiveLossAddATaskAndTheOthersKeepTheirLogits() throws Exception {
    addsATask(RankExpertsConfig.builder().setExperts(6, 3).build(), true, 0.1);
  }

  private void addsATask(AdapterConfig adapter, boolean adaptive, double contrastive) throws Exception {
    List<TaskData> data = ToyTasks.tasks(manager, 96);
    AdapterSpec spec = AdapterSpec.builder("test.AddTask")
        .target(adapter, "0", "2")
        .optTaskRouter(new TaskRouterConfig(EARLIER, adaptive, contrastive))
        .build();
    AdaptedModel trained = spec.attach(encoder(manager), 1);
    TaskHeads earlierHeads = heads(EARLIER, 2);
    TrainingConfig config = ToyTasks.config(60).optWeightDecay(0.1).build();
    ToyTasks.trainer(config, Checkpointing.none()).fit(trained, earlierHeads, data.subList(0, 2));
    float[][] before = logits(trained.block(), earlierHeads, data, 2);
    Path saved = folder.resolve("two");
    trained.save(saved);

    // Loaded from the folder alone, as the command line does.
    AdaptedModel loaded = AdapterSpec.read(saved).attach(encoder(manager));
    TaskHeads loadedHeads = heads(EARLIER, 9);
    loaded.include(loadedHeads.namedParameters()).load(saved);
    assertBitIdentical(before, logits(loaded.block(), loadedHeads, data, 2), "loaded");

    Map<String, float[]> earlierWeights = weights(loaded);
    AdaptedModel added = loaded.addTasks(List.of(ADDED), 5);
    assertEquals(ToyTasks.TASKS, added.spec().taskRouter().orElseThrow().tasks());
    assertEquals(List.of(ADDED), added.trainedTasks());
    assertBitIdentical(before, logits(added.block(), loadedHeads, data, 2), "just added");
    assertThrows(IllegalStateException.class, () -> loaded.addTasks(List.of("fourth")), "the old model is spent");

    Map<String, float[]> addedStart = weights(added);
    TaskHeads addedHead = heads(List.of(ADDED), 3);
    TrainingResult result =
        ToyTasks.trainer(config, Checkpointing.none()).fit(added, addedHead, data.subList(2, 3));
    double accuracy = result.metrics().get(0).accuracy();
    assertTrue(accuracy > 0.7, "the added task learns (chance is about 0.5): " + result.metrics());
    addedStart.forEach((key, start) -> assertFalse(Arrays.equals(start,
        added.namedTrainableParameters().get(key).getArray().toFloatArray()), key + " trains"));
    assertBitIdentical(before, logits(added.block(), loadedHeads, data, 2), "after training the added task");
    for (Parameter kept : added.keptParameters().values()) {
      assertFalse(kept.requiresGradient(), "the earlier heads are frozen");
    }

    Path extended = folder.resolve("three");
    added.save(extended);
    AdaptedModel reloaded = AdapterSpec.read(extended).attach(encoder(manager));
    TaskHeads allHeads = heads(ToyTasks.TASKS, 11);
    reloaded.include(allHeads.namedParameters()).load(extended);
    assertEarlierWeightsUnchanged(earlierWeights, weights(reloaded));
    float[][] after = logits(reloaded.block(), allHeads, data, 3);
    assertBitIdentical(before, Arrays.copyOf(after, 2), "saved and loaded again");
    float[][] addedBefore = logits(added.block(), addedHead, data.subList(2, 3), added, 1);
    assertBitIdentical(addedBefore, new float[][] {after[2]}, "the added task saved and loaded");
  }

  @Test
  void sharedAdaptersRefuseToAddATaskAndSayWhichCan() {
    AdapterSpec spec = AdapterSpec.builder("test.Shared")
        .target(LoraConfig.builder().setRanks(2, 3).build(), "0")
        .optTaskRouter(new TaskRouterConfig(EARLIER, false, 0))
        .build();
    AdaptedModel shared = spec.attach(encoder(manager));
    IllegalStateException refused =
        assertThrows(IllegalStateException.class, () -> shared.addTasks(List.of(ADDED)));
    assertTrue(refused.getMessage().contains("layer '0'") && refused.getMessage().contains("shared by every task")
        && refused.getMessage().contains("per-task LoRA (@Lora(perTask = true))")
        && refused.getMessage().contains("task-routed rank experts"), refused.getMessage());
    assertEquals(EARLIER, shared.spec().taskRouter().orElseThrow().tasks(), "nothing changed");
    shared.layers().values().forEach(layer -> assertTrue(shared.trainableParameters().containsAll(
        layer.adapterParameters().values())));

    AdaptedModel untasked = AdapterSpec.builder("test.NoRouter")
        .target(LoraConfig.builder().setRanks(2, 2).build(), "2").build().attach(encoder(manager));
    assertTrue(assertThrows(IllegalStateException.class, () -> untasked.addTasks(List.of(ADDED)))
        .getMessage().contains("declares no @TaskRouter"));

    AdapterSpec perTask = AdapterSpec.builder("test.PerTask")
        .target(LoraConfig.builder().setRanks(2, 2).optPerTask(true).build(), "0")
        .optTaskRouter(new TaskRouterConfig(EARLIER, false, 0))
        .build();
    assertThrows(IllegalArgumentException.class,
        () -> perTask.attach(encoder(manager)).addTasks(List.of(EARLIER.get(0))), "a task routed already");
  }

  @Test
  void theTrainerTrainsOnlyTheAddedTasks() {
    AdapterSpec spec = AdapterSpec.builder("test.Only")
        .target(RankExpertsConfig.builder().setExperts(6, 2).build(), "0")
        .optTaskRouter(new TaskRouterConfig(EARLIER, false, 0))
        .build();
    AdaptedModel added = spec.attach(encoder(manager)).addTasks(List.of(ADDED));
    List<TaskData> data = ToyTasks.tasks(manager, 16);
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
        () -> ToyTasks.trainer(ToyTasks.config(2).build(), Checkpointing.none())
            .fit(added, heads(ToyTasks.TASKS, 1), data));
    assertTrue(refused.getMessage().contains("trains only the added [third]"), refused.getMessage());
    // Rows of the embeddings and offsets, not the shared experts or gate projection.
    assertEquals(List.of("base_model.model.0.task_embedding.weight", "base_model.model.0.task_gate.weight"),
        List.copyOf(added.trainableRows().keySet()));
    assertEquals(8 + 6, added.summary().trainable(), "one embedding row of 8 and one offset row of 6");
    added.layers().get("0").adapterParameters().forEach((name, parameter) ->
        assertEquals(name.startsWith("task_"), parameter.requiresGradient(), name + " trains or is frozen"));
  }

  /** The toy encoder's block, the same weights every time. */
  private static Block encoder(NDManager manager) {
    Engine.getInstance().setRandomSeed(17);
    SequentialBlock encoder = new SequentialBlock()
        .add(Linear.builder().setUnits(16).build())
        .add(Activation::relu)
        .add(Linear.builder().setUnits(16).build());
    encoder.initialize(manager, DataType.FLOAT32, new Shape(1, 8));
    return encoder;
  }

  private TaskHeads heads(List<String> tasks, int seed) {
    Engine.getInstance().setRandomSeed(seed);
    Map<String, Integer> classes = new LinkedHashMap<>();
    tasks.forEach(task -> classes.put(task, 2));
    return new TaskHeads(classes, 16, manager);
  }

  /** The logits of the first {@code count} tasks on their test rows, each routed to its own task. */
  private static float[][] logits(Block block, TaskHeads heads, List<TaskData> data, int count) {
    return logits(block, heads, data, null, count);
  }

  /**
   * As {@link #logits(Block, TaskHeads, List, int)}; with {@code model}, the heads are those of its
   * trained tasks, routed to their ids in its router.
   */
  private static float[][] logits(Block block, TaskHeads heads, List<TaskData> data, AdaptedModel model, int count) {
    int[] routes = model == null ? null : model.trainedTasks().stream()
        .mapToInt(task -> model.spec().taskRouter().orElseThrow().taskId(task)).toArray();
    ClassifierBlock classifier = new ClassifierBlock(block, heads, routes);
    float[][] logits = new float[count][];
    for (int t = 0; t < count; t++) {
      try (NDManager scope = NDManager.newBaseManager()) {
        NDArray inputs = data.get(t).testInputs().duplicate();
        inputs.attach(scope);
        long[] ids = new long[Math.toIntExact(inputs.getShape().get(0))];
        Arrays.fill(ids, t);
        NDList output = classifier.forward(new ParameterStore(scope, false), new NDList(inputs, scope.create(ids)), false);
        logits[t] = ClassifierBlock.logits(output, t).toFloatArray();
      }
    }
    return logits;
  }

  private static void assertBitIdentical(float[][] expected, float[][] actual, String when) {
    assertEquals(expected.length, actual.length, when);
    for (int t = 0; t < expected.length; t++) {
      int[] expectedBits = bits(expected[t]);
      int[] actualBits = bits(actual[t]);
      int first = Arrays.mismatch(expectedBits, actualBits);
      if (first >= 0) {
        throw new AssertionError(when + ": task " + t + " logit " + first + " changed from " + expected[t][first]
            + " to " + actual[t][first]);
      }
    }
  }

  private static int[] bits(float[] values) {
    int[] bits = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      bits[i] = Float.floatToRawIntBits(values[i]);
    }
    return bits;
  }

  /** Every adapter and head weight of the model by file key. */
  private static Map<String, float[]> weights(AdaptedModel model) {
    Map<String, float[]> weights = new LinkedHashMap<>();
    model.namedTrainableParameters().forEach((key, parameter) -> weights.put(key, parameter.getArray().toFloatArray()));
    return weights;
  }

  /**
   * Every weight of the two-task model is in the extended one with the same bits: whole, or as its
   * leading rows (matrices indexed by task).
   */
  private static void assertEarlierWeightsUnchanged(Map<String, float[]> earlier, Map<String, float[]> extended) {
    assertTrue(extended.keySet().containsAll(earlier.keySet()), "the extended folder keeps " + earlier.keySet());
    earlier.forEach((key, values) -> {
      int[] oldBits = bits(values);
      int[] newBits = Arrays.copyOf(bits(extended.get(key)), oldBits.length);
      assertEquals(-1, Arrays.mismatch(oldBits, newBits), key);
    });
  }
}
