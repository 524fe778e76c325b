package dev.rankwise.runtime.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.model.BlockPaths;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.lora.LoraLinear;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import plain.TwoTower;

class AttachTest extends ManagedArrays {

  private static final LoraConfig SMALL = LoraConfig.builder().setRanks(2, 3).build();

  @BeforeEach
  void seed() {
    Engine.getInstance().setRandomSeed(5);
  }

  @Test
  void pathsFollowNamesAndSequentialPositions() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    assertEquals(
        List.of("query", "value", "head", "head.0", "head.1", "head.2"),
        List.copyOf(BlockPaths.of(tower).keySet()));
  }

  @Test
  void patternsPickTheirLayersAndFieldsArePointedAtTheAdapters() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdapterSpec spec =
        AdapterSpec.builder("test.Spec").target(SMALL, "query", "head.*").build();

    AdaptedModel adapted = spec.attach(tower);

    assertEquals(List.of("query", "head.0", "head.2"), List.copyOf(adapted.layers().keySet()));
    assertInstanceOf(LoraLinear.class, tower.query, "the field now holds the adapter");
    assertSame(adapted.layers().get("query"), tower.query);
    assertSame(tower.query, tower.finalQuery, "final fields are re-pointed too");
    assertFalse(tower.value instanceof LoraLinear);
    assertSame(adapted.layers().get("head.0"), tower.head.getChildren().valueAt(0));
  }

  @Test
  void retargetedSpecsAttachToTheirNewLayersWithTheSameConfigsAndRouting() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdapterSpec spec = AdapterSpec.builder("test.Spec").target(SMALL, "query", "head.0")
        .optTaskRouter(new dev.rankwise.runtime.route.TaskRouterConfig(List.of("a", "b"), false, 0)).build();

    AdapterSpec moved = spec.withTargets(pattern -> pattern.equals("query") ? "value" : "head.2");

    assertEquals(List.of(new AdapterSpec.TargetRule(SMALL, List.of("value", "head.2"))), moved.targetRules());
    assertEquals(spec.taskRouter(), moved.taskRouter());
    assertEquals(spec.declaringType(), moved.declaringType());
    assertEquals(List.of("value", "head.2"), List.copyOf(moved.attach(tower).layers().keySet()));
  }

  @Test
  void theForwardPassReallyGoesThroughTheAdapters() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    NDArray input = manager.randomNormal(new Shape(4, 6));
    NDArray before = TestModels.predict(tower, manager, input);
    AdaptedModel adapted = AdapterSpec.builder("t").target(SMALL, "**.query").build().attach(tower);
    assertTrue(before.contentEquals(TestModels.predict(tower, manager, input)), "no-op at step 0");

    LoraLinear query = (LoraLinear) adapted.layers().get("query");
    query.loraB().getArray().set(manager.ones(query.loraB().getArray().getShape()).toByteBuffer());

    assertFalse(before.contentEquals(TestModels.predict(tower, manager, input)));
  }

  @Test
  void doubleStarMatchesAnyDepthIncludingNone() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdaptedModel adapted = AdapterSpec.builder("t").target(SMALL, "**").build().attach(tower);
    assertEquals(
        List.of("query", "value", "head.0", "head.2"), List.copyOf(adapted.layers().keySet()));
  }

  @Test
  void aPatternWithATypoNamesTheClosestPaths() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdapterSpec spec = AdapterSpec.builder("test.Spec").target(SMALL, "querry").build();

    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> spec.attach(tower));

    assertTrue(error.getMessage().startsWith("test.Spec: target pattern 'querry' matches no Linear layer;"),
        error.getMessage());
    assertTrue(error.getMessage().contains("closest Linear paths: [query, "), error.getMessage());
  }

  @Test
  void aFailedAttachLeavesTheTreeAsItWas() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    ai.djl.nn.core.Linear query = tower.query;
    AdapterSpec spec = AdapterSpec.builder("t").target(SMALL, "query", "head.9").build();
    assertThrows(IllegalArgumentException.class, () -> spec.attach(tower));
    assertSame(query, tower.query);
    assertSame(query, tower.getChildren().valueAt(0));
    assertTrue(tower.query.getParameters().get("weight").requiresGradient(), "nothing was frozen");
  }

  @Test
  void aPatternMatchingOnlyNonLinearBlocksIsAnError() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdapterSpec spec = AdapterSpec.builder("t").target(SMALL, "head.1").build();
    assertThrows(IllegalArgumentException.class, () -> spec.attach(tower));
  }

  @Test
  void aLayerDeclaredTwiceIsAnError() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdapterSpec spec =
        AdapterSpec.builder("t").target(SMALL, "query").target(SMALL, "*").build();
    IllegalArgumentException error =
        assertThrows(IllegalArgumentException.class, () -> spec.attach(tower));
    assertTrue(error.getMessage().contains("layer 'query' is declared twice"), error.getMessage());
  }

  @Test
  void attachingToAnUninitialisedModelIsAnError() {
    TwoTower tower = new TwoTower(8, 3);
    AdapterSpec spec = AdapterSpec.builder("t").target(SMALL, "query").build();
    IllegalStateException error = assertThrows(IllegalStateException.class, () -> spec.attach(tower));
    assertTrue(error.getMessage().contains("not initialised"), error.getMessage());
  }

  @Test
  void attachSwapsExactlyTheDeclaredFields() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    LoraConfig identity = LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).build();
    AdapterSpec spec =
        AdapterSpec.builder("test.TwoTower").field("query", SMALL).field("value", identity).build();

    AdaptedModel adapted = spec.attach(tower);

    assertEquals(List.of("query", "value"), List.copyOf(adapted.layers().keySet()));
    assertSame(tower.query, tower.getChildren().valueAt(0));
    assertSame(tower.value, tower.getChildren().valueAt(1));
    assertEquals(identity, ((LoraLinear) tower.value).config());
  }

  @Test
  void attachAdaptsTheDeclaredFieldsOfABlockClass() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    NDArray input = manager.randomNormal(new Shape(4, 6));
    NDArray before = TestModels.predict(tower, manager, input);
    AdapterSpec spec =
        AdapterSpec.builder("plain.TwoTower").field("query", SMALL).field("value", SMALL).build();

    AdaptedModel adapted = spec.attach(tower);

    assertEquals(List.of("query", "value"), List.copyOf(adapted.layers().keySet()));
    assertSame(adapted.layers().get("query"), tower.query, "the field now holds the adapter");
    assertSame(tower.query, tower.getChildren().valueAt(0));
    assertSame(tower.query, tower.finalQuery, "final fields are re-pointed too");
    assertSame(adapted.layers().get("value"), tower.value);
    for (Pair<String, Parameter> parameter : tower.getParameters()) {
      boolean adapter = parameter.getKey().contains("lora_");
      assertEquals(adapter, parameter.getValue().requiresGradient(), parameter.getKey());
    }
    assertTrue(before.contentEquals(TestModels.predict(tower, manager, input)), "no-op at step 0");
    LoraLinear query = (LoraLinear) tower.query;
    query.loraB().getArray().set(manager.ones(query.loraB().getArray().getShape()).toByteBuffer());
    assertFalse(before.contentEquals(TestModels.predict(tower, manager, input)),
        "the block's own forward pass goes through the adapter");
  }

  @Test
  void loadAttachesTheDeclaredFieldsAndReadsTheirWeights(@TempDir Path directory) throws IOException {
    AdapterSpec spec = AdapterSpec.builder("plain.TwoTower").field("query", SMALL).build();
    Engine.getInstance().setRandomSeed(5);
    TwoTower trained = TwoTower.initialised(manager, 6, 8, 3);
    AdaptedModel adapted = spec.attach(trained);
    LoraLinear query = (LoraLinear) trained.query;
    query.loraB().getArray().set(manager.randomNormal(query.loraB().getArray().getShape()).toByteBuffer());
    adapted.save(directory);
    Engine.getInstance().setRandomSeed(5);
    TwoTower fresh = TwoTower.initialised(manager, 6, 8, 3);

    AdaptedModel loaded = spec.load(fresh, directory);

    assertEquals(List.of("query"), List.copyOf(loaded.layers().keySet()));
    NDArray input = manager.randomNormal(new Shape(4, 6));
    assertTrue(TestModels.predict(trained, manager, input)
        .contentEquals(TestModels.predict(fresh, manager, input)));
  }

  @Test
  void aFailedAttachOfFieldsAndPatternsLeavesTheTreeAsItWasAndFreesItsArrays() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    ai.djl.nn.core.Linear query = tower.query;
    AdapterSpec spec =
        AdapterSpec.builder("plain.TwoTower").field("query", SMALL).target(SMALL, "head.9").build();
    int arrays = manager.getManagedArrays().size();

    assertThrows(IllegalArgumentException.class, () -> spec.attach(tower));

    assertUntouched(tower, query, arrays);
  }

  @Test
  void aFailedLoadLeavesTheTreeAsItWasAndFreesItsArrays(@TempDir Path directory) throws IOException {
    AdapterSpec.builder("plain.TwoTower").field("value", SMALL).build()
        .attach(TwoTower.initialised(manager, 6, 8, 3)).save(directory);
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    ai.djl.nn.core.Linear query = tower.query;
    AdapterSpec spec = AdapterSpec.builder("plain.TwoTower").field("query", SMALL).build();
    int arrays = manager.getManagedArrays().size();

    assertThrows(IOException.class, () -> spec.load(tower, directory));

    assertUntouched(tower, query, arrays);
  }

  /** The tree holds its own query layer everywhere, nothing is frozen and no adapter array is left. */
  private void assertUntouched(TwoTower tower, ai.djl.nn.core.Linear query, int arrays) {
    assertSame(query, tower.query);
    assertSame(query, tower.finalQuery);
    assertSame(query, tower.getChildren().valueAt(0));
    assertTrue(tower.query.getParameters().get("weight").requiresGradient(), "nothing was frozen");
    assertEquals(arrays, manager.getManagedArrays().size(), "the adapters built were freed");
  }

  @Test
  void aFieldThatIsNotAChildIsAnError() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdapterSpec spec = AdapterSpec.builder("test.TwoTower").field("unregistered", SMALL).build();
    IllegalStateException error =
        assertThrows(IllegalStateException.class, () -> spec.attach(tower));
    assertTrue(error.getMessage().contains("register it with addChildBlock"), error.getMessage());
  }

  @Test
  void aBadFieldFailsBeforeAnyFieldIsSwapped() {
    TwoTower tower = new TwoTower(8, 3);
    tower.query.initialize(manager, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 6));
    ai.djl.nn.core.Linear query = tower.query;
    AdapterSpec spec =
        AdapterSpec.builder("test.TwoTower").field("query", SMALL).field("value", SMALL).build();
    // value is not initialised: nothing may change, query included.
    assertThrows(IllegalStateException.class, () -> spec.attach(tower));
    assertSame(query, tower.query);
    assertSame(query, tower.getChildren().valueAt(0));
  }

  @Test
  void everythingButTheAdaptersIsFrozenAndTheSummaryCountsThem() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    AdaptedModel adapted =
        AdapterSpec.builder("t").target(SMALL, "query", "head.2").build().attach(tower);

    for (Pair<String, Parameter> parameter : tower.getParameters()) {
      boolean adapter = parameter.getKey().contains("lora_");
      assertEquals(adapter, parameter.getValue().requiresGradient(), parameter.getKey());
    }
    // query 6 -> 8: A' 2x6, T 3x2, B' 8x3; head.2 8 -> 3: A' 2x8, T 3x2, B' 3x3.
    long trainable = (12 + 6 + 24) + (16 + 6 + 9);
    // base: query 6*8+8, value 6*8, head.0 8*8+8, head.2 8*3+3.
    long base = 56 + 48 + 72 + 27;
    assertEquals(new ParameterSummary(trainable, base + trainable), adapted.summary());
    assertEquals(
        "trainable params: 73 || all params: 276 || trainable%: 26.4493",
        adapted.summary().toString());
  }

  @Test
  void trainingChangesOnlyAdaptersAndMergeUnmergeAreExact() {
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    Map<String, float[]> frozenBefore = values(tower, false);
    AdaptedModel adapted =
        AdapterSpec.builder("t").target(SMALL, "query", "value", "head.2").build().attach(tower);
    NDArray input = manager.randomNormal(new Shape(16, 6));
    NDArray target = manager.randomNormal(new Shape(16, 3));
    TestModels.train(tower, adapted.trainableParameters(), manager, input,
        prediction -> prediction.sub(target).square().mean(), 25, 0.05f);

    assertEquals(frozenBefore.keySet(), values(tower, false).keySet());
    values(tower, false).forEach((name, value) -> assertArrayEquals(frozenBefore.get(name), value, name));
    NDArray unmerged = TestModels.predict(tower, manager, input);

    adapted.merge();
    assertTrue(unmerged.allClose(TestModels.predict(tower, manager, input), 1e-5, 1e-5, false));
    adapted.unmerge();
    values(tower, false).forEach((name, value) -> assertArrayEquals(frozenBefore.get(name), value, name));
    assertTrue(unmerged.contentEquals(TestModels.predict(tower, manager, input)));
  }

  /** Values of the frozen (or trainable) parameters by name, with the wrapper's names normalised. */
  private static Map<String, float[]> values(TwoTower tower, boolean trainable) {
    Map<String, float[]> values = new LinkedHashMap<>();
    for (Pair<String, Parameter> parameter : tower.getParameters()) {
      if (parameter.getKey().contains("lora_") == trainable) {
        values.put(parameter.getKey(), parameter.getValue().getArray().toFloatArray());
      }
    }
    return values;
  }
}
