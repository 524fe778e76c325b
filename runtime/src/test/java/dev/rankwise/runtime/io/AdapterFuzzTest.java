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
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.internal.ParameterValues;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;
import plain.TwoTower;

/**
 * A fuzz that reaches the parser (docs/DESIGN.md §5). Valid adapter folders are mutated — bytes
 * flipped, cut, inserted; header text and header structure edited with the header length kept
 * right; data values and offsets changed; the config edited — and loaded. PEFT-format folders carry
 * no checksum, so every mutation reaches the reader; rankwise folders get their {@code
 * weights_sha256} recomputed after each mutation of the weights, so the checksum does not stop
 * what the parser must. The only outcomes allowed are an {@link AdapterFileException} that names
 * the file (the model unchanged), or a load whose weights equal the file's contents as an
 * independent reading of the mutated file gives them; never another exception, an error, or a
 * partial load.
 *
 * <p>Seeded and bounded: {@code -Drankwise.fuzz.mutations=N} (default 10,000 per format) and
 * {@code -Drankwise.fuzz.seed=S} (default 18); {@code -Drankwise.fuzz.verbose=true} prints each kind of
 * rejection message once.
 */
class AdapterFuzzTest extends ManagedArrays {

  private static final int MUTATIONS = Integer.getInteger("rankwise.fuzz.mutations", 10_000);
  private static final long SEED = Long.getLong("rankwise.fuzz.seed", 18);
  private static final boolean VERBOSE = Boolean.getBoolean("rankwise.fuzz.verbose");
  private static final Path FIXTURE = Path.of("src/test/resources/peft/plain-lora");

  private static final LoraConfig PLAIN =
      LoraConfig.builder().setRanks(2, 2).optAlpha(4).optMixer(Mixer.IDENTITY).build();
  private static final LoraConfig LEARNED = LoraConfig.builder().setRanks(2, 3).optAlpha(6).build();

  /** Text the header mutations splice in: JSON that is almost right, and what strict JSON forbids. */
  private static final String[] SNIPPETS = {
    "0", "1", "2", "4", "8", "12", "48", "-1", "-0", "2.0", "1e3", "0x10", "01",
    "9223372036854775807", "9223372036854775808", "18446744073709551616", "4611686018427387904",
    "65536", "\"2\"", "\"F32\"", "\"F16\"", "\"BF16\"", "\"I64\"", "\"F33\"", "\"f32\"",
    "{", "}", "[", "]", ",", ":", "\"", "'", "null", "true", "NaN", "/*c*/", "//c\n", " ", "\t", "\n",
    "\\u0000", "\\\"", "\"__metadata__\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "[0,0]",
    "[]", "{}", "\"x\":{}", "\u00e9", "\uffff",
  };

  @TempDir(factory = MemoryFirst.class) Path directory;

  /**
   * A temporary folder in {@code /dev/shm} where there is one: the fuzz rewrites small files 40,000
   * times, and on an ext4 disk mounted with {@code discard} each rewrite costs a millisecond or more.
   */
  static final class MemoryFirst implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
      Path memory = Path.of("/dev/shm");
      return Files.isDirectory(memory) && Files.isWritable(memory)
          ? Files.createTempDirectory(memory, "rankwise-fuzz") : Files.createTempDirectory("rankwise-fuzz");
    }
  }

  /** One format under test: a folder, the model it loads into, and its valid files. */
  private final class Subject {
    final String name;
    final Path folder;
    final AdaptedModel model;
    final byte[] weights;
    final byte[] config;
    final boolean checksummed;
    final List<float[]> initial;
    byte[] weightsOnDisk;
    byte[] configOnDisk;
    int tried;
    int rejected;
    int loaded;
    int loadedOtherValues;
    int failed;
    final Map<String, Integer> reasons = new TreeMap<>();
    final List<String> failures = new ArrayList<>();
    final java.util.Set<String> messages = new java.util.HashSet<>();

    Subject(String name, Path folder, AdaptedModel model, boolean checksummed) throws IOException {
      this.name = name;
      this.folder = folder;
      this.model = model;
      this.weights = Files.readAllBytes(folder.resolve(AdapterFiles.WEIGHTS_FILE));
      this.config = Files.readAllBytes(folder.resolve(AdapterFiles.CONFIG_FILE));
      this.checksummed = checksummed;
      model.load(folder); // the valid folder loads
      this.initial = values(model);
      this.weightsOnDisk = weights;
      this.configOnDisk = config;
    }
  }

  private TwoTower base() {
    Engine.getInstance().setRandomSeed(5);
    return TwoTower.initialised(manager, 6, 8, 3);
  }

  /** The PEFT fixture (an independent writer's file), as it is. */
  private Subject peftFixture() throws IOException {
    Path folder = Files.createDirectories(directory.resolve("peft-fixture"));
    Files.copy(FIXTURE.resolve(AdapterFiles.WEIGHTS_FILE), folder.resolve(AdapterFiles.WEIGHTS_FILE));
    Files.copy(FIXTURE.resolve(AdapterFiles.CONFIG_FILE), folder.resolve(AdapterFiles.CONFIG_FILE));
    AdaptedModel model = AdapterSpec.builder("t").target(PLAIN, "query").build().attach(base());
    return new Subject("PEFT", folder, model, false);
  }

  /** Plain LoRA on three layers as rankwise writes it, its rankwise section removed: PEFT's format. */
  private Subject peftThreeLayers() throws IOException {
    Path folder = directory.resolve("peft-three");
    AdaptedModel written = AdapterSpec.builder("t").target(PLAIN, "query", "head.*").build().attach(base());
    for (Parameter parameter : written.trainableParameters()) {
      NDArray array = parameter.getArray();
      ParameterValues.overwrite(array, manager.randomNormal(array.getShape()).toFloatArray());
    }
    written.save(folder);
    Path configFile = folder.resolve(AdapterFiles.CONFIG_FILE);
    JsonObject config = JsonParser.parseString(Files.readString(configFile)).getAsJsonObject();
    config.remove("rankwise");
    Files.writeString(configFile, new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(config));
    AdaptedModel model = AdapterSpec.builder("t").target(PLAIN, "query", "head.*").build().attach(base());
    return new Subject("PEFT", folder, model, false);
  }

  /** A learned-mixer declaration, trained, saved by rankwise with its checksum and fingerprint. */
  private Subject rankwise() throws IOException {
    Path folder = directory.resolve("rankwise");
    AdapterSpec spec = AdapterSpec.builder("t.Spec").target(LEARNED, "query", "head.2").build();
    AdaptedModel trained = spec.attach(base(), 9);
    NDArray input = manager.randomNormal(new Shape(16, 6));
    NDArray target = manager.randomNormal(new Shape(16, 3));
    TestModels.train(trained.block(), trained.trainableParameters(), manager, input,
        prediction -> prediction.sub(target).square().mean(), 10, 0.05f);
    trained.save(folder);
    return new Subject("rankwise", folder, spec.attach(base(), 9), true);
  }

  @Test
  void mutatedPeftAndRankwiseFilesAreRejectedOrLoadExactlyWhatTheyHold() throws IOException {
    Subject fixture = peftFixture();
    Subject three = peftThreeLayers();
    Subject rankwise = rankwise();
    Random random = new Random(SEED);
    long started = System.nanoTime();
    for (int i = 0; i < MUTATIONS; i++) {
      fuzzOnce(i % 2 == 0 ? fixture : three, random, i);
      fuzzOnce(rankwise, random, i);
    }
    long seconds = (System.nanoTime() - started) / 1_000_000_000L;
    report("PEFT", seconds, fixture, three);
    report("rankwise", seconds, rankwise);
    List<String> failures = new ArrayList<>();
    for (Subject subject : List.of(fixture, three, rankwise)) {
      assertEquals(subject.tried, subject.rejected + subject.loaded + subject.failed, subject.name);
      failures.addAll(subject.failures);
    }
    assertTrue(failures.isEmpty(), "wrong outcomes, the first ones:\n" + String.join("\n", failures));
    assertEquals(MUTATIONS, fixture.tried + three.tried);
    assertEquals(MUTATIONS, rankwise.tried);
    // The fuzz reaches past the checksum: for rankwise files, the reader rejects what it must.
    assertTrue(rankwise.reasons.getOrDefault("safetensors header", 0) > MUTATIONS / 10, rankwise.reasons.toString());
    assertTrue(rankwise.loadedOtherValues > 0 && fixture.loadedOtherValues + three.loadedOtherValues > 0,
        "some mutations give other valid files, and they load what they hold");
  }

  private static void report(String format, long seconds, Subject... subjects) {
    int tried = 0;
    int rejected = 0;
    int loaded = 0;
    int other = 0;
    int failed = 0;
    Map<String, Integer> reasons = new TreeMap<>();
    for (Subject subject : subjects) {
      failed += subject.failed;
      tried += subject.tried;
      rejected += subject.rejected;
      loaded += subject.loaded;
      other += subject.loadedOtherValues;
      subject.reasons.forEach((reason, count) -> reasons.merge(reason, count, Integer::sum));
    }
    System.out.printf("fuzz %s (seed %d): %d mutations, %d rejected with AdapterFileException %s, %d loaded equal"
        + " to the file's contents (%d of them with other values than the original), %d other outcomes"
        + " (another exception, a wrong or partial load) [%d s for both formats]%n",
        format, SEED, tried, rejected, reasons, loaded, other, failed, seconds);
  }

  private void fuzzOnce(Subject subject, Random random, int iteration) throws IOException {
    subject.tried++;
    Path weightsFile = subject.folder.resolve(AdapterFiles.WEIGHTS_FILE);
    Path configFile = subject.folder.resolve(AdapterFiles.CONFIG_FILE);
    byte[] weights = subject.weights;
    byte[] config = subject.config;
    String mutation;
    if (random.nextInt(8) == 0) {
      mutation = "config";
      config = mutateConfig(config, random);
    } else {
      int kind = random.nextInt(9);
      mutation = "weights #" + kind;
      weights = mutateWeights(weights, kind, random);
      if (subject.checksummed) {
        config = withChecksum(config, Integrity.sha256(weights));
      }
    }
    if (!Arrays.equals(weights, subject.weightsOnDisk)) {
      Files.write(weightsFile, weights);
      subject.weightsOnDisk = weights;
    }
    if (!Arrays.equals(config, subject.configOnDisk)) {
      Files.write(configFile, config);
      subject.configOnDisk = config;
    }
    String what = subject.name + " mutation " + iteration + " (" + mutation + ", seed " + SEED + ")";
    try {
      check(subject, weights, what);
    } catch (AssertionError e) {
      // Counted and listed, so that one run shows every kind of wrong outcome; the test fails at the end.
      subject.failed++;
      if (subject.failures.size() < 12) {
        subject.failures.add(e.getMessage());
      }
      restore(subject.model, subject.initial);
    }
  }

  private void check(Subject subject, byte[] weights, String what) throws IOException {
    Path weightsFile = subject.folder.resolve(AdapterFiles.WEIGHTS_FILE);
    Path configFile = subject.folder.resolve(AdapterFiles.CONFIG_FILE);
    try {
      subject.model.load(subject.folder);
    } catch (AdapterFileException e) {
      String message = e.getMessage();
      assertTrue(message.startsWith(weightsFile + ": ") || message.startsWith(configFile + ": ")
          || message.startsWith(subject.folder + ": "), what + ": the message names the file: " + message);
      assertTrue(message.length() < 2_000, what + ": a message of " + message.length() + " chars");
      assertSame(subject.initial, subject.model, what + " was rejected (" + message + ") but changed weights");
      subject.rejected++;
      subject.reasons.merge(reason(e), 1, Integer::sum);
      String kind = message.substring(subject.folder.toString().length()).replaceAll("[0-9a-f]{64}", "<sha>")
          .replaceAll("[0-9]+", "#").replaceAll("'[^']*'", "'…'");
      if (VERBOSE && subject.messages.add(kind)) {
        System.out.println("fuzz " + subject.name + " rejection: " + message);
      }
      return;
    } catch (Exception | Error e) { // another exception, an error, an out-of-memory: each a failure
      if (e instanceof AssertionError assertion) {
        throw assertion;
      }
      fail(what + " threw " + e + " instead of an AdapterFileException");
    }
    Map<String, float[]> contents = contents(weights, what);
    for (Map.Entry<String, AdapterLayer> layer : subject.model.layers().entrySet()) {
      for (Map.Entry<String, Parameter> parameter : layer.getValue().adapterParameters().entrySet()) {
        String key = AdapterFiles.key(layer.getKey(), parameter.getKey());
        float[] held = contents.remove(key);
        assertTrue(held != null, what + " loaded, but the file holds no " + key);
        assertArrayEquals(held, parameter.getValue().getArray().toFloatArray(), what + " loaded other values: "
            + key);
      }
    }
    assertTrue(contents.isEmpty(), what + " loaded, but the file also holds " + contents.keySet());
    subject.loaded++;
    List<float[]> now = values(subject.model);
    boolean other = false;
    for (int i = 0; i < now.size(); i++) {
      other |= !Arrays.equals(now.get(i), subject.initial.get(i));
    }
    if (other) {
      subject.loadedOtherValues++;
      restore(subject.model, subject.initial);
    }
  }

  /** A rejection's kind, for the report. */
  private static String reason(AdapterFileException e) {
    String message = e.getMessage();
    if (message.contains(AdapterFiles.CONFIG_FILE + ": ")) {
      return "config";
    }
    if (message.contains("checksum mismatch")) {
      return "checksum";
    }
    if (message.contains("header length") || message.contains("truncated safetensors")) {
      return "header length";
    }
    if (message.contains("safetensors header") || message.contains("the header holds")
        || message.contains("__metadata__") || message.contains("dtype") || message.contains("data_offsets")
        || message.contains("data offsets") || message.contains("in its shape") || message.contains("overflows")
        || message.contains("has no '") || message.contains("is described by") || message.contains("twice")) {
      return "safetensors header";
    }
    if (message.contains("gap of") || message.contains("overlaps") || message.contains("after the last")) {
      return "tiling";
    }
    return "tensors vs model";
  }

  /**
   * What a file that loaded holds, read independently of the reader under test: its header parsed by
   * Gson, its tensors checked to tile the data as the reference implementation requires, and the
   * float32 values at each tensor's offsets.
   */
  private static Map<String, float[]> contents(byte[] file, String what) {
    ByteBuffer buffer = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int headerLength = (int) buffer.getLong(0);
    String header;
    try {
      header = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(file, 8, headerLength)).toString();
    } catch (java.nio.charset.CharacterCodingException e) {
      return fail(what + " loaded a header that is not UTF-8");
    }
    JsonObject json = JsonParser.parseString(header).getAsJsonObject();
    int dataStart = 8 + headerLength;
    Map<String, float[]> contents = new LinkedHashMap<>();
    List<long[]> ranges = new ArrayList<>();
    for (Map.Entry<String, JsonElement> entry : json.entrySet()) {
      if (entry.getKey().equals("__metadata__")) {
        continue;
      }
      JsonObject info = entry.getValue().getAsJsonObject();
      assertEquals("F32", info.get("dtype").getAsString(), what);
      JsonArray offsets = info.getAsJsonArray("data_offsets");
      long begin = offsets.get(0).getAsLong();
      long end = offsets.get(1).getAsLong();
      long elements = 1;
      for (JsonElement dimension : info.getAsJsonArray("shape")) {
        elements *= dimension.getAsLong();
      }
      assertEquals(4 * elements, end - begin, what + ": " + entry.getKey());
      ranges.add(new long[] {begin, end});
      float[] values = new float[(int) (end - begin) / 4];
      buffer.slice(dataStart + (int) begin, (int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer().get(values);
      contents.put(entry.getKey(), values);
    }
    ranges.sort(Comparator.<long[]>comparingLong(range -> range[0]).thenComparingLong(range -> range[1]));
    long position = 0;
    for (long[] range : ranges) {
      assertEquals(position, range[0], what + ": the tensors tile the data");
      position = range[1];
    }
    assertEquals(file.length - dataStart, position, what + ": no byte after the last tensor");
    return contents;
  }

  // --- mutations --------------------------------------------------------------------------------

  private static byte[] mutateWeights(byte[] good, int kind, Random random) {
    byte[] bytes = good.clone();
    int headerLength = (int) ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
    switch (kind) {
      case 0 -> { // a flipped bit anywhere
        bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        return bytes;
      }
      case 1 -> { // a cut, or bytes appended
        return random.nextBoolean() ? Arrays.copyOf(bytes, random.nextInt(bytes.length))
            : Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(16));
      }
      case 2 -> { // random bytes inserted, the header length kept or not
        int at = random.nextInt(bytes.length + 1);
        byte[] inserted = new byte[1 + random.nextInt(8)];
        random.nextBytes(inserted);
        byte[] longer = splice(bytes, at, 0, inserted);
        if (at >= 8 && at <= 8 + headerLength && random.nextBoolean()) {
          setHeaderLength(longer, headerLength + inserted.length);
        }
        return longer;
      }
      case 3 -> { // an absurd or nearly right header length
        long[] lengths = {0, 1, 7, headerLength - 1, headerLength + 1, headerLength + 4, bytes.length - 8,
            bytes.length, Long.MAX_VALUE, Integer.MAX_VALUE + 1L, -1, 16L << 20, (16L << 20) + 1, random.nextLong()};
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lengths[random.nextInt(lengths.length)]);
        return bytes;
      }
      case 4, 5 -> { // header text: a snippet spliced in, the header length made right
        String snippet = SNIPPETS[random.nextInt(SNIPPETS.length)];
        int at = 8 + random.nextInt(headerLength);
        int removed = Math.min(random.nextInt(4), 8 + headerLength - at);
        byte[] text = snippet.getBytes(StandardCharsets.UTF_8);
        if (random.nextInt(16) == 0) {
          text = new byte[] {(byte) (0x80 + random.nextInt(128))}; // not UTF-8 on its own
        }
        byte[] edited = splice(bytes, at, removed, text);
        setHeaderLength(edited, headerLength - removed + text.length);
        return edited;
      }
      case 6 -> { // header structure: a value of a tensor changed, the header rewritten
        return restructured(bytes, headerLength, random);
      }
      case 7 -> { // data: one float replaced by another value, NaN and infinities included
        int dataStart = 8 + headerLength;
        if (bytes.length - dataStart < 4) {
          return bytes;
        }
        float[] values = {0f, -0f, 1f, -1e30f, Float.MIN_VALUE, Float.MAX_VALUE, Float.NaN,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, (float) random.nextGaussian()};
        int at = dataStart + 4 * random.nextInt((bytes.length - dataStart) / 4);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(at, values[random.nextInt(values.length)]);
        return bytes;
      }
      default -> { // several bytes of the header overwritten, the length kept
        for (int k = 1 + random.nextInt(4); k > 0; k--) {
          bytes[8 + random.nextInt(headerLength)] = (byte) random.nextInt(256);
        }
        return bytes;
      }
    }
  }

  /** The header parsed (leniently), one structural edit, and the header written back with its length. */
  private static byte[] restructured(byte[] bytes, int headerLength, Random random) {
    String text = new String(bytes, 8, headerLength, StandardCharsets.UTF_8);
    JsonObject header = JsonParser.parseString(text).getAsJsonObject();
    List<String> names = new ArrayList<>(header.keySet());
    names.remove("__metadata__");
    String name = names.get(random.nextInt(names.size()));
    String otherName = names.get(random.nextInt(names.size()));
    JsonObject info = header.getAsJsonObject(name);
    JsonArray offsets = info.getAsJsonArray("data_offsets");
    JsonArray shape = info.getAsJsonArray("shape");
    long[] deltas = {1, -1, 4, -4, 8, -8, 1L << 32, Long.MIN_VALUE / 2};
    String json;
    switch (random.nextInt(12)) {
      case 0 -> offsets.set(random.nextInt(2), new com.google.gson.JsonPrimitive(
          offsets.get(random.nextInt(2)).getAsLong() + deltas[random.nextInt(deltas.length)]));
      case 1 -> { // the offsets of two tensors swapped: valid when their sizes are equal
        JsonObject other = header.getAsJsonObject(otherName);
        JsonElement swapped = other.get("data_offsets");
        other.add("data_offsets", offsets);
        info.add("data_offsets", swapped);
      }
      case 2 -> { // the shapes of two tensors swapped
        JsonObject other = header.getAsJsonObject(otherName);
        JsonElement swapped = other.get("shape");
        other.add("shape", shape);
        info.add("shape", swapped);
      }
      case 3 -> { // a dimension changed: transposed, zeroed, huge, or split so the count is kept
        long[] dims = new long[shape.size()];
        for (int i = 0; i < dims.length; i++) {
          dims[i] = shape.get(i).getAsLong();
        }
        JsonArray edited = new JsonArray();
        switch (random.nextInt(4)) {
          case 0 -> {
            for (int i = dims.length - 1; i >= 0; i--) {
              edited.add(dims[i]);
            }
          }
          case 1 -> {
            edited.add(dims[0] * dims[dims.length - 1]);
          }
          case 2 -> {
            for (long dim : dims) {
              edited.add(dim);
            }
            edited.add(1);
          }
          default -> {
            edited.add(65536);
            edited.add(65536);
            edited.add(65536);
            edited.add(16384);
          }
        }
        info.add("shape", edited);
      }
      case 4 -> header.remove(name);
      case 5 -> { // a tensor renamed
        header.remove(name);
        header.add(name + (random.nextBoolean() ? "x" : ".weight"), info);
      }
      case 6 -> info.addProperty("dtype", new String[] {"F16", "F64", "BF16", "I32", "U8", "F33"}[random.nextInt(6)]);
      case 7 -> { // an empty tensor added somewhere in the data
        JsonObject empty = new JsonObject();
        empty.addProperty("dtype", "F32");
        JsonArray zero = new JsonArray();
        zero.add(0);
        empty.add("shape", zero);
        JsonArray at = new JsonArray();
        long where = offsets.get(random.nextInt(2)).getAsLong();
        at.add(where);
        at.add(where);
        empty.add("data_offsets", at);
        header.add("empty", empty);
      }
      case 8 -> { // a key the reference ignores, or one it needs removed
        if (random.nextBoolean()) {
          info.addProperty("extra", "ignored");
        } else {
          info.remove(new String[] {"dtype", "shape", "data_offsets"}[random.nextInt(3)]);
        }
      }
      case 9 -> { // metadata changed: a string added, a number, or not an object
        JsonObject metadata = header.has("__metadata__") ? header.getAsJsonObject("__metadata__") : new JsonObject();
        switch (random.nextInt(3)) {
          case 0 -> metadata.addProperty("note", "café");
          case 1 -> metadata.addProperty("note", 1);
          default -> header.add("__metadata__", new JsonArray());
        }
        if (!header.has("__metadata__")) {
          header.add("__metadata__", metadata);
        }
      }
      case 10 -> { // entries in another order
        JsonObject reordered = new JsonObject();
        List<String> keys = new ArrayList<>(header.keySet());
        java.util.Collections.shuffle(keys, random);
        keys.forEach(key -> reordered.add(key, header.get(key)));
        json = reordered.toString();
        return withHeader(bytes, headerLength, json);
      }
      default -> { // a tensor's entry written twice (text-level: Gson objects hold a key once)
        json = header.toString();
        String entry = "\"" + name + "\":" + info;
        json = json.substring(0, json.length() - 1) + "," + entry + "}";
        return withHeader(bytes, headerLength, json);
      }
    }
    return withHeader(bytes, headerLength, header.toString());
  }

  private static byte[] withHeader(byte[] bytes, int headerLength, String json) {
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    byte[] edited = splice(bytes, 8, headerLength, header);
    setHeaderLength(edited, header.length);
    return edited;
  }

  private static byte[] mutateConfig(byte[] good, Random random) {
    String text = new String(good, StandardCharsets.UTF_8);
    switch (random.nextInt(4)) {
      case 0 -> {
        byte[] bytes = good.clone();
        bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
        return bytes;
      }
      case 1 -> {
        return Arrays.copyOf(good, random.nextInt(good.length));
      }
      default -> {
        int at = random.nextInt(text.length());
        int removed = Math.min(random.nextInt(4), text.length() - at);
        return (text.substring(0, at) + SNIPPETS[random.nextInt(SNIPPETS.length)] + text.substring(at + removed))
            .getBytes(StandardCharsets.UTF_8);
      }
    }
  }

  /** The config with {@code weights_sha256} set to the mutated weights' checksum. */
  private static byte[] withChecksum(byte[] config, String sha256) {
    JsonObject json = JsonParser.parseString(new String(config, StandardCharsets.UTF_8)).getAsJsonObject();
    json.getAsJsonObject("rankwise").addProperty(Integrity.WEIGHTS_SHA256, sha256);
    return new GsonBuilder().setPrettyPrinting().serializeNulls().create().toJson(json)
        .getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] splice(byte[] bytes, int at, int removed, byte[] inserted) {
    byte[] result = new byte[bytes.length - removed + inserted.length];
    System.arraycopy(bytes, 0, result, 0, at);
    System.arraycopy(inserted, 0, result, at, inserted.length);
    System.arraycopy(bytes, at + removed, result, at + inserted.length, bytes.length - at - removed);
    return result;
  }

  private static void setHeaderLength(byte[] bytes, long length) {
    if (bytes.length >= 8) {
      ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, length);
    }
  }

  // --- the model's weights ----------------------------------------------------------------------

  private static List<float[]> values(AdaptedModel model) {
    List<float[]> values = new ArrayList<>();
    for (Parameter parameter : model.trainableParameters()) {
      values.add(parameter.getArray().toFloatArray());
    }
    return values;
  }

  private static void assertSame(List<float[]> expected, AdaptedModel model, String what) {
    List<float[]> actual = values(model);
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), what);
    }
  }

  private static void restore(AdaptedModel model, List<float[]> values) {
    List<Parameter> parameters = model.trainableParameters();
    for (int i = 0; i < values.size(); i++) {
      ParameterValues.overwrite(parameters.get(i).getArray(), values.get(i));
    }
  }
}
