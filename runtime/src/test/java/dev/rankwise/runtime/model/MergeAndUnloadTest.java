package dev.rankwise.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ChildJvm;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.DataOutputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import plain.LoadWithoutRankwise;
import plain.TwoTower;

/**
 * {@link AdaptedModel#mergeAndUnload()}: the block comes back as the plain base model with merged
 * weights, with the adapted model's outputs, no rankwise block left in it, and loadable with DJL
 * alone.
 */
class MergeAndUnloadTest extends ManagedArrays {

  private static final int IN = 6;
  private static final AdapterSpec FIELDS_AND_PATTERNS = AdapterSpec.builder("plain.TwoTower")
      .field("query", LoraConfig.builder().setRanks(2, 3).build())
      .target(LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).build(), "value", "head.2")
      .build();
  private static final TaskRouterConfig TASKS =
      new TaskRouterConfig(List.of("spam", "sentiment", "topic"), true, 0);
  private static final AdapterSpec MULTI_TASK = AdapterSpec.builder("test.MultiTask")
      .target(RankExpertsConfig.builder().setExperts(6, 2).build(), "query", "value")
      .target(LoraConfig.builder().setRanks(2, 3).optPerTask(true).build(), "head.2")
      .optTaskRouter(TASKS)
      .build();

  private final float[] input = new float[5 * IN];

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(8);
    Random random = new Random(3);
    for (int i = 0; i < input.length; i++) {
      input[i] = (float) random.nextGaussian();
    }
  }

  @Test
  void theBlockComesBackPlainWithMergedWeightsAndTheAdaptedOutputs() {
    TwoTower tower = TwoTower.initialised(manager, IN, 8, 3);
    Linear query = tower.query;
    Linear value = tower.value;
    Block head = tower.head.getChildren().valueAt(2);
    float[] plain = outputs(tower, null);
    int arrays = manager.getManagedArrays().size();
    AdaptedModel adapted = trained(FIELDS_AND_PATTERNS.attach(tower));
    float[] expected = outputs(tower, null);
    assertFalse(Arrays.equals(plain, expected), "the adapters change the outputs");

    Block base = adapted.mergeAndUnload();

    assertSame(tower, base);
    assertClose(expected, outputs(tower, null));
    assertNoRankwiseBlock(tower);
    assertSame(query, tower.query, "the field holds the base layer again");
    assertSame(query, tower.finalQuery);
    assertSame(value, tower.value);
    assertSame(head, tower.head.getChildren().valueAt(2));
    assertEquals(arrays, manager.getManagedArrays().size(), "the adapters' arrays were freed");
    IllegalStateException spent = assertThrows(IllegalStateException.class, adapted::unmerge);
    assertTrue(spent.getMessage().contains("were merged and unloaded; attach the spec again"),
        spent.getMessage());
  }

  @Test
  void eachTaskUnloadsIntoAPlainModelThatServesIt() {
    for (String task : TASKS.tasks()) {
      Engine.getInstance().setRandomSeed(8);
      TwoTower tower = TwoTower.initialised(manager, IN, 8, 3);
      AdaptedModel adapted = trained(MULTI_TASK.attach(tower, 1));
      float[] routed = outputs(tower, TASKS.taskId(task));

      adapted.mergeAndUnload(task);

      assertClose(routed, outputs(tower, null));
      assertNoRankwiseBlock(tower);
    }
  }

  @Test
  void tokenRoutedExpertsAreRefusedAndStayAttached() {
    TwoTower tower = TwoTower.initialised(manager, IN, 8, 3);
    AdaptedModel adapted = trained(AdapterSpec.builder("plain.TwoTower")
        .target(RankExpertsConfig.builder().setExperts(4, 2).build(), "query").build().attach(tower));

    IllegalStateException error = assertThrows(IllegalStateException.class, adapted::mergeAndUnload);

    assertEquals("cannot merge and unload plain.TwoTower, nothing was changed: token-routed rank"
        + " experts cannot be merged: every token picks its own experts", error.getMessage());
    assertSame(adapted.layers().get("query"), tower.query);
    assertFalse(adapted.isMerged());
  }

  @Test
  void taskRoutedAdaptersAskForATask() {
    TwoTower tower = TwoTower.initialised(manager, IN, 8, 3);
    AdaptedModel adapted = trained(MULTI_TASK.attach(tower, 1));

    IllegalStateException error = assertThrows(IllegalStateException.class, adapted::mergeAndUnload);

    assertTrue(error.getMessage().endsWith(
        "merge one task at a time: call mergeTask(task); for the model of one task call"
            + " mergeAndUnload(task)"), error.getMessage());
    assertSame(adapted.layers().get("query"), tower.query);
    assertFalse(adapted.isMerged());
  }

  @Test
  void theUnloadedModelSavedByDjlLoadsIntoAFreshBaseInAJvmWithoutRankwise(@TempDir Path directory)
      throws Exception {
    TwoTower tower = TwoTower.initialised(manager, IN, 8, 3);
    trained(FIELDS_AND_PATTERNS.attach(tower)).mergeAndUnload();
    float[] merged = outputs(tower, null);
    Path parameters = directory.resolve("tower.params");
    try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(parameters))) {
      tower.saveParameters(out);
    }
    Path inputs = directory.resolve("inputs.bin");
    LoadWithoutRankwise.write(inputs, input);
    Path classes = copyPlainClasses(directory.resolve("classes"));
    Path outputs = directory.resolve("outputs.bin");
    Path log = directory.resolve("child.log");

    Process child = new ProcessBuilder(ChildJvm.command(
            ChildJvm.withoutRankwise() + File.pathSeparator + classes,
            LoadWithoutRankwise.class.getName(), parameters.toString(), inputs.toString(),
            outputs.toString(), Integer.toString(IN), "8", "3"))
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();

    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not finish");
    assertEquals(0, child.exitValue(), "the child failed:\n" + Files.readString(log));
    assertArrayEquals(merged, LoadWithoutRankwise.read(outputs));
  }

  /** Sets every adapter parameter to seeded values, as training would move them. */
  private static AdaptedModel trained(AdaptedModel adapted) {
    Random random = new Random(1);
    for (Parameter parameter : adapted.trainableParameters()) {
      float[] values = new float[Math.toIntExact(parameter.getArray().size())];
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) (random.nextGaussian() * 0.5);
      }
      parameter.getArray().set(values);
    }
    return adapted;
  }

  /** The block's outputs for {@link #input}, all rows routed to {@code task} unless it is null. */
  private float[] outputs(Block block, Integer task) {
    try (NDManager scratch = manager.newSubManager()) {
      NDArray rows = scratch.create(input, new Shape(input.length / IN, IN));
      if (task == null) {
        return TestModels.predict(block, scratch, rows).toFloatArray();
      }
      long[] ids = new long[input.length / IN];
      Arrays.fill(ids, task);
      return TestModels.predict(block, scratch, rows, scratch.create(ids)).toFloatArray();
    }
  }

  private static void assertClose(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertTrue(Math.abs(expected[i] - actual[i]) <= 1e-5 + 1e-5 * Math.abs(actual[i]),
          "output " + i + ": " + expected[i] + " vs " + actual[i]);
    }
  }

  private static void assertNoRankwiseBlock(Block block) {
    for (Pair<String, Block> child : block.getChildren()) {
      assertFalse(child.getValue().getClass().getName().startsWith("dev.rankwise."),
          child.getKey() + " is a " + child.getValue().getClass().getName());
      assertNoRankwiseBlock(child.getValue());
    }
    for (Pair<String, Parameter> parameter : block.getParameters()) {
      assertFalse(parameter.getKey().contains("lora_") || parameter.getKey().contains("experts_"),
          parameter.getKey());
    }
  }

  /** Copies the compiled package {@code plain} (the model and its loader, nothing else) under {@code to}. */
  private static Path copyPlainClasses(Path to) throws Exception {
    Path compiled = Path.of(TwoTower.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("plain");
    Files.createDirectories(to.resolve("plain"));
    try (Stream<Path> files = Files.list(compiled)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve("plain").resolve(file.getFileName()));
      }
    }
    return to;
  }
}
