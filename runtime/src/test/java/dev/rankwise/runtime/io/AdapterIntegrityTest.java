package dev.rankwise.runtime.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import plain.TwoTower;

/**
 * Saved adapters are tied to their bytes (a SHA-256 in the config) and to their base model (a
 * fingerprint of the adapted layers' frozen weights), and thousands of random corruptions of valid
 * files never load silently with other weights.
 */
class AdapterIntegrityTest extends ManagedArrays {

  private static final LoraConfig CONFIG = LoraConfig.builder().setRanks(2, 3).optAlpha(6).build();
  private static final int WEIGHT_MUTATIONS = 3000;
  private static final int CONFIG_MUTATIONS = 1500;

  @TempDir Path directory;

  private AdaptedModel adapted(long baseSeed) {
    Engine.getInstance().setRandomSeed((int) baseSeed);
    TwoTower tower = TwoTower.initialised(manager, 6, 8, 3);
    return AdapterSpec.builder("t.Spec").target(CONFIG, "query", "head.2").build().attach(tower, 9);
  }

  private AdaptedModel trained() {
    AdaptedModel model = adapted(5);
    NDArray input = manager.randomNormal(new Shape(16, 6));
    NDArray target = manager.randomNormal(new Shape(16, 3));
    TestModels.train(model.block(), model.trainableParameters(), manager, input,
        prediction -> prediction.sub(target).square().mean(), 20, 0.05f);
    return model;
  }

  private static List<float[]> weights(AdaptedModel model) {
    List<float[]> values = new ArrayList<>();
    for (Parameter parameter : model.trainableParameters()) {
      values.add(parameter.getArray().toFloatArray());
    }
    return values;
  }

  private static void assertSame(List<float[]> expected, AdaptedModel model, String what) {
    List<float[]> actual = weights(model);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), what);
    }
  }

  @Test
  void aFlippedBitInAWeightIsACheckSumMismatch() throws IOException {
    trained().save(directory);
    Path file = directory.resolve(AdapterFiles.WEIGHTS_FILE);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 3] ^= 0x01; // a low mantissa bit of the last value: still finite, same shape
    Files.write(file, bytes);
    AdaptedModel fresh = adapted(5);
    List<float[]> before = weights(fresh);
    AdapterFileException error = expectFailure(fresh);
    assertTrue(error.getMessage().contains("checksum mismatch"), error.getMessage());
    assertSame(before, fresh, "nothing loaded");
  }

  @Test
  void adaptersOfAnotherBaseModelAreRefused() throws IOException {
    trained().save(directory);
    AdaptedModel otherBase = adapted(6); // same declaration and shapes, other frozen weights
    List<float[]> before = weights(otherBase);
    AdapterFileException error = expectFailure(otherBase);
    assertTrue(error.getMessage().contains("trained on another base model"), error.getMessage());
    assertSame(before, otherBase, "nothing loaded");

    AdaptedModel sameBase = adapted(5);
    sameBase.load(directory);
  }

  /**
   * docs/DESIGN.md §5: in a rankwise config the keys that tie the weights to their bytes, their base
   * and their declaration are required. Without the requirement, deleting one (here with the bit
   * flip it would have caught) turned the check off and the file loaded without a word.
   */
  @ParameterizedTest
  @ValueSource(strings = {"weights_sha256", "base_fingerprint", "layers", "layers.query", "format_version",
      "declaring_type"})
  void aRankwiseConfigWithoutAnIntegrityKeyIsRefused(String key) throws IOException {
    trained().save(directory);
    editRankwiseSection(rankwise -> {
      if (key.startsWith("layers.")) {
        rankwise.getAsJsonObject("layers").remove(key.substring("layers.".length()));
      } else {
        rankwise.remove(key);
      }
    });
    Path file = directory.resolve(AdapterFiles.WEIGHTS_FILE);
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 3] ^= 0x01;
    Files.write(file, bytes);
    AdaptedModel fresh = adapted(5);
    List<float[]> before = weights(fresh);
    AdapterFileException error = expectFailure(fresh);
    String name = key.startsWith("layers.") ? "layer 'query'" : "'" + key + "'";
    assertTrue(error.getMessage().contains(name), error.getMessage());
    assertTrue(error.getMessage().startsWith(directory.resolve(AdapterFiles.CONFIG_FILE).toString()),
        "names the config: " + error.getMessage());
    assertSame(before, fresh, "nothing loaded");
  }

  @Test
  void aLayerRecordTheDeclarationDoesNotHaveIsRefused() throws IOException {
    trained().save(directory);
    editRankwiseSection(rankwise -> rankwise.getAsJsonObject("layers")
        .add("value", rankwise.getAsJsonObject("layers").get("query").deepCopy()));
    AdaptedModel fresh = adapted(5);
    List<float[]> before = weights(fresh);
    AdapterFileException error = expectFailure(fresh);
    assertTrue(error.getMessage().contains("layer 'value'"), error.getMessage());
    assertSame(before, fresh, "nothing loaded");
  }

  @Test
  void aTaskRoutedConfigWithoutItsTasksIsRefused() throws IOException {
    AdapterSpec spec = AdapterSpec.builder("t.Routed")
        .target(LoraConfig.builder().setRanks(2, 3).optPerTask(true).build(), "head.2")
        .optTaskRouter(new TaskRouterConfig(List.of("spam", "topic"), false, 0))
        .build();
    spec.attach(base(), 9).save(directory);
    editRankwiseSection(rankwise -> rankwise.remove("tasks"));
    AdaptedModel fresh = spec.attach(base(), 9);
    AdapterFileException error = expectFailure(fresh);
    assertTrue(error.getMessage().contains("'tasks'"), error.getMessage());

    // ...and a file that records tasks does not load into a declaration without a task router.
    spec.attach(base(), 9).save(directory);
    AdaptedModel unrouted = AdapterSpec.builder("t.Routed")
        .target(LoraConfig.builder().setRanks(2, 3).build(), "head.2").build()
        .attach(base(), 9);
    AdapterFileException other = expectFailure(unrouted);
    assertTrue(other.getMessage().contains("'tasks'"), other.getMessage());
  }

  private TwoTower base() {
    Engine.getInstance().setRandomSeed(5);
    return TwoTower.initialised(manager, 6, 8, 3);
  }

  private void editRankwiseSection(java.util.function.Consumer<JsonObject> edit) throws IOException {
    Path file = directory.resolve(AdapterFiles.CONFIG_FILE);
    JsonObject config = JsonParser.parseString(Files.readString(file)).getAsJsonObject();
    edit.accept(config.getAsJsonObject("rankwise"));
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config));
  }

  @Test
  void randomCorruptionsNeverLoadOtherWeights() throws IOException {
    AdaptedModel trained = trained();
    trained.save(directory);
    List<float[]> saved = weights(trained);
    Path weightsFile = directory.resolve(AdapterFiles.WEIGHTS_FILE);
    Path configFile = directory.resolve(AdapterFiles.CONFIG_FILE);
    byte[] goodWeights = Files.readAllBytes(weightsFile);
    byte[] goodConfig = Files.readAllBytes(configFile);
    AdaptedModel target = adapted(5);
    List<float[]> initial = weights(target);
    Random random = new Random(42);
    int rejected = 0;
    int loaded = 0;
    for (int i = 0; i < WEIGHT_MUTATIONS + CONFIG_MUTATIONS; i++) {
      boolean weightsMutated = i < WEIGHT_MUTATIONS;
      byte[] mutated = mutate(weightsMutated ? goodWeights : goodConfig, random);
      Files.write(weightsMutated ? weightsFile : configFile, mutated);
      Files.write(weightsMutated ? configFile : weightsFile, weightsMutated ? goodConfig : goodWeights);
      try {
        target.load(directory);
        loaded++;
        assertSame(saved, target, "mutation " + i + " loaded: it must give the saved weights exactly");
        restore(target, initial);
      } catch (AdapterFileException e) { // nothing else: AdapterFuzzTest holds every outcome to this
        rejected++;
        assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), "mutation " + i + ": a message");
        assertSame(initial, target, "mutation " + i + " was rejected and changed nothing: " + e.getMessage());
      }
    }
    System.out.printf("fuzz: %d mutations of valid adapter files (%d of the weights, %d of the config):"
        + " %d rejected with an error, %d loaded the saved weights exactly%n",
        WEIGHT_MUTATIONS + CONFIG_MUTATIONS, WEIGHT_MUTATIONS, CONFIG_MUTATIONS, rejected, loaded);
    assertTrue(rejected > WEIGHT_MUTATIONS, "almost every mutation is caught");
  }

  private static void restore(AdaptedModel model, List<float[]> values) {
    List<Parameter> parameters = model.trainableParameters();
    for (int i = 0; i < values.size(); i++) {
      parameters.get(i).getArray().set(values.get(i));
    }
  }

  /** One random corruption: flipped bits, overwritten bytes, a cut, an insertion, or a rewritten header length. */
  private static byte[] mutate(byte[] good, Random random) {
    byte[] bytes = good.clone();
    switch (random.nextInt(6)) {
      case 0 -> bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
      case 1 -> {
        for (int k = 1 + random.nextInt(8); k > 0; k--) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
      case 3 -> {
        int at = random.nextInt(bytes.length);
        byte[] inserted = new byte[1 + random.nextInt(16)];
        random.nextBytes(inserted);
        byte[] longer = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, longer, 0, at);
        System.arraycopy(inserted, 0, longer, at, inserted.length);
        System.arraycopy(bytes, at, longer, at + inserted.length, bytes.length - at);
        bytes = longer;
      }
      case 4 -> {
        long[] absurd = {0, 1, bytes.length, Long.MAX_VALUE, Integer.MAX_VALUE + 1L, -1, random.nextLong()};
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, absurd[random.nextInt(absurd.length)]);
      }
      default -> {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        String[] swaps = {"1", "0", "-1", "1e308", "null", "\"x\"", "[]", "{}", "9223372036854775808"};
        int at = random.nextInt(Math.max(1, text.length() - 1));
        bytes = (text.substring(0, at) + swaps[random.nextInt(swaps.length)] + text.substring(at + 1))
            .getBytes(StandardCharsets.ISO_8859_1);
      }
    }
    return bytes;
  }

  private AdapterFileException expectFailure(AdaptedModel model) {
    try {
      model.load(directory);
    } catch (AdapterFileException e) {
      return e;
    } catch (IOException e) {
      fail("expected an AdapterFileException, got " + e);
    }
    return fail("the load succeeded");
  }
}
