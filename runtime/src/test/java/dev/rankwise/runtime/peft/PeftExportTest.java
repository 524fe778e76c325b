package dev.rankwise.runtime.peft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.runtime.AdapterConfig;
import dev.rankwise.runtime.ManagedArrays;
import dev.rankwise.runtime.TestModels;
import dev.rankwise.runtime.experts.RankExpertsConfig;
import dev.rankwise.runtime.io.AdapterFiles;
import dev.rankwise.runtime.io.ClassifierRecord;
import dev.rankwise.runtime.io.FloatTensor;
import dev.rankwise.runtime.io.SafetensorsWriter;
import dev.rankwise.runtime.experts.RankExpertsLinear;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import dev.rankwise.runtime.route.TaskRouterConfig;
import dev.rankwise.runtime.train.TaskHeads;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import plain.TwoTower;

/**
 * Every method exports losslessly to plain PEFT LoRA (issue 21, points 1 and 2). Each exported
 * folder is read back by {@link PlainLoraReader}, written here from PEFT's source at release {@value
 * PeftExport#PEFT_RELEASE} and nothing of rankwise's: it parses the safetensors and the config
 * itself, finds each target module as PEFT's {@code check_target_module_exists}
 * (src/peft/tuners/tuners_utils.py) does, its rank and alpha as {@code get_pattern_key}
 * (src/peft/utils/other.py) does for {@code LoraModel._create_and_replace}, and computes {@code W0 x +
 * b + (alpha / r) B A x} per module (src/peft/tuners/lora/layer.py, {@code Linear.forward}) in double
 * precision, which must match rankwise's routed output for that task within 1e-5.
 */
class PeftExportTest extends ManagedArrays {

  /**
   * Every field of PEFT v0.20.0's {@code LoraConfig} and its bases ({@code PeftConfigMixin}, {@code
   * PeftConfig} in src/peft/config.py; {@code LoraConfig} in src/peft/tuners/lora/config.py): what
   * {@code LoraConfig(**kwargs)} accepts.
   */
  static final Set<String> LORA_CONFIG_FIELDS = Set.of(
      "task_type", "peft_type", "auto_mapping", "peft_version", "base_model_name_or_path", "revision",
      "inference_mode", "r", "target_modules", "exclude_modules", "lora_alpha", "lora_dropout", "fan_in_fan_out",
      "bias", "use_rslora", "modules_to_save", "init_lora_weights", "layers_to_transform", "layers_pattern",
      "rank_pattern", "alpha_pattern", "megatron_config", "megatron_core", "trainable_token_indices",
      "loftq_config", "eva_config", "corda_config", "lora_ga_config", "use_dora", "velora_config",
      "alora_invocation_tokens", "use_qalora", "qalora_group_size", "monteclora_config", "layer_replication",
      "runtime_config", "lora_bias", "target_parameters", "use_bdlora", "arrow_config", "ensure_weight_tying");

  private static final String BASE = "rankwise/two-tower-test";
  private static final String TORCH_CHECK = "src/test/python/torch_lora_forward.py";
  private static final List<String> PYTHONS = List.of("python3", "/usr/bin/python3");
  private static final int IN = 6;
  private static final int WIDTH = 8;
  private static final int CLASSES = 3;
  private static final TaskRouterConfig TWO_TASKS = new TaskRouterConfig(List.of("spam", "topic"), false, 0);

  @TempDir Path out;

  private TwoTower tower;
  private Map<String, double[][]> baseWeights;
  private Map<String, double[]> baseBiases;
  private NDArray input;

  @BeforeEach
  void setUp() {
    Engine.getInstance().setRandomSeed(11);
    tower = TwoTower.initialised(manager, IN, WIDTH, CLASSES);
    baseWeights = new HashMap<>();
    baseBiases = new HashMap<>();
    snapshot("query", tower.query);
    snapshot("value", tower.value);
    snapshot("head.0", (ai.djl.nn.core.Linear) tower.head.getChildren().get(0).getValue());
    snapshot("head.2", (ai.djl.nn.core.Linear) tower.head.getChildren().get(2).getValue());
    input = manager.randomNormal(new Shape(5, IN));
  }

  private void snapshot(String path, ai.djl.nn.core.Linear linear) {
    NDArray weight = linear.getParameters().get("weight").getArray();
    baseWeights.put(path, matrix(weight.toFloatArray(), weight.getShape().get(0), weight.getShape().get(1)));
    Parameter bias = linear.getParameters().get("bias");
    if (bias != null) {
      baseBiases.put(path, doubles(bias.getArray().toFloatArray()));
    }
  }

  // ---------------------------------------------------------------- the methods, one export each

  @Test
  void plainLoraExportsAsItself() throws IOException {
    report("plain LoRA", checkExport(spec(LoraConfig.builder().setRanks(3, 3).optMixer(Mixer.IDENTITY).build(),
        null), List.of("default"), 3));
  }

  @Test
  void decomposedLoraExportsWithTheSmallerRank() throws IOException {
    report("decomposed a<b", checkExport(spec(LoraConfig.builder().setRanks(2, 5).optAlpha(6).build(), null),
        List.of("default"), 2));
    setUp();
    report("decomposed a>b", checkExport(spec(LoraConfig.builder().setRanks(5, 3).build(), null),
        List.of("default"), 3));
  }

  @Test
  void perTaskLoraExportsOneAdapterPerTask() throws IOException {
    report("per-task LoRA", checkExport(spec(LoraConfig.builder().setRanks(4, 2).optPerTask(true).build(), TWO_TASKS),
        TWO_TASKS.tasks(), 2));
  }

  @Test
  void taskRoutedExpertsExportTheirSelectedExperts() throws IOException {
    report("task-routed rank experts", checkExport(spec(RankExpertsConfig.builder().setExperts(6, 3).build(),
        TWO_TASKS), TWO_TASKS.tasks(), 3));
  }

  @Test
  void adaptiveExpertsExportPerLayerRanksInRankPattern() throws IOException {
    TaskRouterConfig adaptive = new TaskRouterConfig(TWO_TASKS.tasks(), true, 0);
    AdaptedModel model = spec(RankExpertsConfig.builder().setExperts(6, 3).build(), adaptive);
    double diff = checkExport(model, adaptive.tasks(), -1);
    boolean patterned = false;
    for (String task : adaptive.tasks()) {
      patterned |= config(out.resolve(task)).getAsJsonObject("rank_pattern").size() > 0;
    }
    assertTrue(patterned, "the layers were set to select different numbers of experts");
    report("adaptive rank experts", diff);
  }

  @Test
  void mixedMethodsUnderOneRouterExportTogether() throws IOException {
    AdaptedModel model = AdapterSpec.builder("test.Mixed")
        .target(RankExpertsConfig.builder().setExperts(6, 3).build(), "query", "value")
        .target(LoraConfig.builder().setRanks(2, 3).optPerTask(true).build(), "head.2")
        .optTaskRouter(TWO_TASKS).build().attach(tower, 1);
    randomise(model);
    report("experts + per-task LoRA", checkExport(model, TWO_TASKS.tasks(), -1));
    for (String task : TWO_TASKS.tasks()) {
      JsonObject config = config(out.resolve(task));
      assertEquals(3, config.get("r").getAsInt(), "two layers of top-3 experts: the common rank");
      assertEquals(2, config.getAsJsonObject("rank_pattern").get("head\\.2").getAsInt(), "per-task LoRA min(2, 3)");
      assertEquals(2, config.getAsJsonObject("alpha_pattern").get("head\\.2").getAsInt(), "alpha = rank: scaling 1");
    }
  }

  // ---------------------------------------------------------------- config, heads, refusal

  @Test
  void theConfigHoldsOnlyLoraConfigFieldsAndNamesTheBase() throws IOException {
    AdaptedModel model = spec(LoraConfig.builder().setRanks(2, 2).build(), TWO_TASKS);
    PeftExport.forBase(BASE).taskType("FEATURE_EXTRACTION").write(model, out);
    for (String task : TWO_TASKS.tasks()) {
      JsonObject config = config(out.resolve(task));
      for (String field : config.keySet()) {
        assertTrue(LORA_CONFIG_FIELDS.contains(field), "PEFT's LoraConfig has no field '" + field + "'");
      }
      assertEquals(BASE, config.get("base_model_name_or_path").getAsString());
      assertEquals("LORA", config.get("peft_type").getAsString());
      assertEquals("FEATURE_EXTRACTION", config.get("task_type").getAsString());
      assertFalse(config.has("rankwise"), "rankwise's record stays out of the config");
      assertEquals(List.copyOf(config.keySet().stream().sorted().toList()), List.copyOf(config.keySet()),
          "keys sorted, as PEFT's json.dumps(sort_keys=True)");
      Map<String, String> metadata = new PlainLoraReader(out.resolve(task)).metadata;
      assertEquals("pt", metadata.get("format"), "PEFT saves with metadata {'format': 'pt'}");
      assertEquals(task, metadata.get("rankwise.adapter"));
      assertEquals("test.Export", metadata.get("rankwise.declaring_type"));
    }
    assertFalse(Files.exists(out.resolve(AdapterFiles.CONFIG_FILE)),
        "no adapter is 'default', so the folder itself holds none (PEFT's save_pretrained layout)");
    // create_or_update_model_card: the card's metadata, between the first two '---' lines.
    List<String> card = Files.readAllLines(out.resolve(PeftExport.MODEL_CARD));
    List<String> metadata = card.subList(1, card.subList(1, card.size()).indexOf("---") + 1);
    assertEquals("---", card.get(0));
    assertTrue(metadata.contains("base_model: \"" + BASE + "\""), metadata.toString());
    assertTrue(metadata.contains("library_name: peft"), metadata.toString());
    assertTrue(metadata.contains("- \"base_model:adapter:" + BASE + "\"") && metadata.contains("- lora"),
        metadata.toString());
    assertTrue(card.stream().anyMatch(line -> line.startsWith("| spam | spam | 2 |")), String.join("\n", card));
  }

  @Test
  void aModelCardAlreadyInTheFolderIsKept() throws IOException {
    AdaptedModel model = spec(LoraConfig.builder().setRanks(2, 2).build(), TWO_TASKS);
    Files.createDirectories(out);
    String own = "---\nlicense: apache-2.0\n---\n\n# My adapters\n\nWhat the team wrote about them.\n";
    Files.writeString(out.resolve(PeftExport.MODEL_CARD), own);
    PeftExport.forBase(BASE).write(model, out);
    assertEquals(own, Files.readString(out.resolve(PeftExport.MODEL_CARD)), "an export never overwrites a card");
    assertTrue(Files.exists(out.resolve(TWO_TASKS.tasks().get(0)).resolve(AdapterFiles.CONFIG_FILE)));
  }

  @Test
  void aTasksHeadIsSavedAsPeftSavesAClassifierInModulesToSave() throws IOException {
    AdaptedModel model = spec(LoraConfig.builder().setRanks(2, 2).optPerTask(true).build(), TWO_TASKS);
    Map<String, Integer> classes = new LinkedHashMap<>();
    classes.put("spam", 2);
    classes.put("topic", 4);
    TaskHeads heads = new TaskHeads(classes, CLASSES, manager);
    ClassifierRecord record = new ClassifierRecord("toy", Map.of("spam", List.of("ham", "spam"),
        "topic", List.of("a", "b", "c", "d")));
    PeftExport.forBase(BASE).heads(heads).record(record).write(model, out);
    for (String task : TWO_TASKS.tasks()) {
      PlainLoraReader read = new PlainLoraReader(out.resolve(task));
      assertEquals(List.of("classifier"), read.config.getAsJsonArray("modules_to_save").asList().stream()
          .map(JsonElement::getAsString).toList());
      Map<String, Parameter> own = heads.namedParameters();
      float[] weight = own.get("heads." + task + ".weight").getArray().toFloatArray();
      float[] bias = own.get("heads." + task + ".bias").getArray().toFloatArray();
      // ModulesToSaveWrapper.adapter_state_dict: the wrapped module's own keys under its path, no adapter name.
      assertTrue(java.util.Arrays.equals(weight, read.floats.get("base_model.model.classifier.weight")));
      assertTrue(java.util.Arrays.equals(bias, read.floats.get("base_model.model.classifier.bias")));
      assertEquals(record.labels().get(task).toString().replace(" ", ""),
          read.metadata.get("rankwise.labels").replace("\"", ""));
    }
  }

  @Test
  void tokenRoutedExpertsAreRefusedWithTheReason() {
    AdaptedModel model = spec(RankExpertsConfig.builder().setExperts(6, 3).build(), null);
    IllegalStateException error = assertThrows(IllegalStateException.class,
        () -> PeftExport.forBase(BASE).write(model, out));
    assertTrue(error.getMessage().contains("every token picks its own experts"), error.getMessage());
    assertTrue(error.getMessage().contains("query"), error.getMessage());
  }

  // ---------------------------------------------------------------- torch alone (point 5)

  /**
   * Every method's export, applied by torch alone as PEFT applies it ({@value #TORCH_CHECK}: the
   * test model rebuilt from base weights written here, each targeted module wrapped as PEFT's {@code
   * lora.layer.Linear}), gives rankwise's output within 1e-5 of its scale. Skipped, with the script's
   * reason, where neither {@code python3} nor {@code /usr/bin/python3} imports torch (Debian: {@code
   * python3-torch}).
   */
  @Test
  void torchRecomputesEveryExport() throws Exception {
    Map<String, FloatTensor> cases = new LinkedHashMap<>();
    List<String> arguments = new java.util.ArrayList<>(List.of("python3", TORCH_CHECK, "case"));
    TaskRouterConfig adaptive = new TaskRouterConfig(TWO_TASKS.tasks(), true, 0);
    Map<String, java.util.function.Supplier<AdaptedModel>> methods = new LinkedHashMap<>();
    methods.put("plain", () -> spec(LoraConfig.builder().setRanks(3, 3).optMixer(Mixer.IDENTITY).build(), null));
    methods.put("decomposed", () -> spec(LoraConfig.builder().setRanks(5, 3).optAlpha(6).build(), null));
    methods.put("per-task", () -> spec(LoraConfig.builder().setRanks(4, 2).optPerTask(true).build(), TWO_TASKS));
    methods.put("experts", () -> spec(RankExpertsConfig.builder().setExperts(6, 3).build(), TWO_TASKS));
    methods.put("adaptive", () -> spec(RankExpertsConfig.builder().setExperts(6, 3).build(), adaptive));
    for (Map.Entry<String, java.util.function.Supplier<AdaptedModel>> method : methods.entrySet()) {
      setUp(); // a fresh tower, seeded alike: every method adapts the same base weights
      AdaptedModel model = method.getValue().get();
      List<PeftExport.Exported> exported = PeftExport.forBase(BASE).write(model, out.resolve(method.getKey()));
      for (int task = 0; task < exported.size(); task++) {
        String name = method.getKey() + "." + exported.get(task).adapter();
        cases.put("expected." + name, new FloatTensor(new long[] {5, CLASSES}, rankwiseOutput(model, task)));
        arguments.add(name + "=" + exported.get(task).folder());
      }
    }
    cases.put("x", new FloatTensor(new long[] {5, IN}, input.toFloatArray()));
    baseWeights.forEach((path, weight) -> cases.put("base." + path + ".weight",
        floatTensor(new long[] {weight.length, weight[0].length}, java.util.Arrays.stream(weight)
            .flatMapToDouble(java.util.Arrays::stream).toArray())));
    baseBiases.forEach((path, bias) -> cases.put("base." + path + ".bias", floatTensor(new long[] {bias.length}, bias)));
    Path caseFile = out.resolve("case.safetensors");
    SafetensorsWriter.write(caseFile, cases);
    arguments.set(2, caseFile.toString());

    // The first Python that imports torch: the one on the PATH, else Debian's, where python3-torch goes.
    String output = null;
    List<String> skipped = new java.util.ArrayList<>();
    for (String python : PYTHONS) {
      arguments.set(0, python);
      Process process;
      try {
        process = new ProcessBuilder(arguments).redirectErrorStream(true).start();
      } catch (IOException absent) {
        skipped.add(python + ": cannot be started (" + absent.getMessage() + ")");
        continue;
      }
      String printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      int exit = process.waitFor();
      if (exit == 77) {
        skipped.add(python + ": " + printed);
        continue;
      }
      System.out.println("PeftExportTest: " + python + " " + TORCH_CHECK + ": " + printed);
      assertEquals(0, exit, python + " " + TORCH_CHECK + ": " + printed);
      output = printed;
      break;
    }
    if (output == null) {
      System.out.println("PeftExportTest: the torch check did not run: " + skipped);
      Assumptions.abort("the torch check did not run: " + skipped);
    }
    JsonObject result = JsonParser.parseString(output.lines().reduce((a, b) -> b).orElseThrow()).getAsJsonObject();
    JsonObject adapters = result.getAsJsonObject("adapters");
    assertEquals(arguments.size() - 3, adapters.size(), "one comparison per exported adapter");
    for (Map.Entry<String, JsonElement> adapter : adapters.entrySet()) {
      double diff = adapter.getValue().getAsJsonObject().get("max_abs_diff").getAsDouble();
      double scale = adapter.getValue().getAsJsonObject().get("scale").getAsDouble();
      assertTrue(diff <= 1e-5 * scale, adapter.getKey() + " in " + result.get("engine") + ": max |diff| " + diff
          + " at scale " + scale);
    }
  }

  private static FloatTensor floatTensor(long[] shape, double[] values) {
    float[] floats = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      floats[i] = (float) values[i];
    }
    return new FloatTensor(shape, floats);
  }

  // ---------------------------------------------------------------- helpers

  private AdaptedModel spec(AdapterConfig config, TaskRouterConfig router) {
    AdapterSpec.Builder builder = AdapterSpec.builder("test.Export").target(config, "query", "value", "head.2");
    if (router != null) {
      builder.optTaskRouter(router);
    }
    AdaptedModel model = builder.build().attach(tower, 1);
    randomise(model);
    return model;
  }

  /**
   * Random values for every adapter parameter, so that no update is zero; adaptive rank logits so
   * that layer {@code i} on task {@code t} keeps {@code (i + t) % topK + 1} experts.
   */
  private void randomise(AdaptedModel model) {
    int index = 0;
    for (var layer : model.layers().values()) {
      for (Map.Entry<String, Parameter> parameter : layer.adapterParameters().entrySet()) {
        NDArray array = parameter.getValue().getArray();
        if (parameter.getKey().equals(RankExpertsLinear.RANK_LOGITS)) {
          long tasks = array.getShape().get(0);
          long topK = array.getShape().get(1);
          float[] logits = new float[(int) (tasks * topK)];
          for (int t = 0; t < tasks; t++) {
            logits[(int) (t * topK + (index + t) % topK)] = 5;
          }
          array.set(logits);
        } else {
          array.set(manager.randomNormal(array.getShape()).mul(0.7f).toFloatArray());
        }
      }
      index++;
    }
  }

  /**
   * Exports, checks the folder layout and each adapter's rank, and returns the largest |diff|
   * between the reader's plain LoRA forward and rankwise's output on the adapter's task, relative to
   * the output's scale (its largest |value|, at least 1).
   */
  private double checkExport(AdaptedModel model, List<String> adapters, int rank) throws IOException {
    List<PeftExport.Exported> exported = PeftExport.forBase(BASE).write(model, out);
    assertEquals(adapters, exported.stream().map(PeftExport.Exported::adapter).toList());
    double worst = 0;
    for (int task = 0; task < adapters.size(); task++) {
      String name = adapters.get(task);
      Path folder = name.equals("default") ? out : out.resolve(name);
      assertEquals(folder, exported.get(task).folder());
      PlainLoraReader reader = new PlainLoraReader(folder);
      if (rank > 0) {
        assertEquals(rank, reader.config.get("r").getAsInt(), name);
      }
      double[][] expected = matrix(rankwiseOutput(model, task), 5, CLASSES);
      double[][] plain = reader.forward(matrix(input.toFloatArray(), 5, IN));
      double scale = 1;
      double diff = 0;
      for (int i = 0; i < expected.length; i++) {
        for (int j = 0; j < expected[i].length; j++) {
          diff = Math.max(diff, Math.abs(expected[i][j] - plain[i][j]));
          scale = Math.max(scale, Math.abs(expected[i][j]));
        }
      }
      assertTrue(diff <= 1e-5 * scale, name + ": max |diff| " + diff + " at scale " + scale);
      worst = Math.max(worst, diff / scale);
    }
    double unadapted = maxAbsDiff(new PlainLoraReader(null).forward(matrix(input.toFloatArray(), 5, IN)),
        matrix(TestModels.predict(model.block(), manager, input, manager.zeros(new Shape(5),
            ai.djl.ndarray.types.DataType.INT64)).toFloatArray(), 5, CLASSES));
    assertTrue(unadapted > 1e-2, "the adapters change the output, so the comparison means something");
    return worst;
  }

  /** rankwise's output on {@link #input}, every row of task {@code task} where the model routes tasks. */
  private float[] rankwiseOutput(AdaptedModel model, int task) {
    NDArray output = model.spec().taskRouter().isPresent()
        ? TestModels.predict(model.block(), manager, input, manager.full(new Shape(5), task).toType(
            ai.djl.ndarray.types.DataType.INT64, false))
        : TestModels.predict(model.block(), manager, input);
    return output.toFloatArray();
  }

  private static void report(String method, double diff) {
    System.out.printf("PeftExportTest: %s: max |exported - rankwise| / scale = %.3g%n", method, diff);
  }

  private static JsonObject config(Path folder) throws IOException {
    return JsonParser.parseString(Files.readString(folder.resolve("adapter_config.json"))).getAsJsonObject();
  }

  private static double maxAbsDiff(double[][] a, double[][] b) {
    double diff = 0;
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a[i].length; j++) {
        diff = Math.max(diff, Math.abs(a[i][j] - b[i][j]));
      }
    }
    return diff;
  }

  private static double[][] matrix(float[] values, long rows, long columns) {
    double[][] matrix = new double[(int) rows][(int) columns];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < columns; j++) {
        matrix[i][j] = values[(int) (i * columns + j)];
      }
    }
    return matrix;
  }

  private static double[] doubles(float[] values) {
    double[] result = new double[values.length];
    for (int i = 0; i < values.length; i++) {
      result[i] = values[i];
    }
    return result;
  }

  /**
   * A PEFT LoRA folder read from its two files alone, and TwoTower's forward pass with each target
   * module computing {@code W0 x + b + scaling · B (A x)}. {@code null} folder: the base alone.
   */
  private final class PlainLoraReader {

    final JsonObject config;
    final Map<String, float[]> floats = new LinkedHashMap<>();
    final Map<String, long[]> shapes = new LinkedHashMap<>();
    final Map<String, String> metadata = new LinkedHashMap<>();

    PlainLoraReader(Path folder) throws IOException {
      if (folder == null) {
        config = null;
        return;
      }
      config = config(folder);
      byte[] bytes = Files.readAllBytes(folder.resolve("adapter_model.safetensors"));
      ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      int headerLength = Math.toIntExact(buffer.getLong(0));
      JsonObject header = JsonParser.parseString(new String(bytes, 8, headerLength, StandardCharsets.UTF_8))
          .getAsJsonObject();
      for (Map.Entry<String, JsonElement> entry : header.entrySet()) {
        if (entry.getKey().equals("__metadata__")) {
          entry.getValue().getAsJsonObject().entrySet()
              .forEach(m -> metadata.put(m.getKey(), m.getValue().getAsString()));
          continue;
        }
        JsonObject tensor = entry.getValue().getAsJsonObject();
        assertEquals("F32", tensor.get("dtype").getAsString(), entry.getKey());
        long begin = tensor.getAsJsonArray("data_offsets").get(0).getAsLong();
        long end = tensor.getAsJsonArray("data_offsets").get(1).getAsLong();
        float[] values = new float[(int) ((end - begin) / 4)];
        for (int i = 0; i < values.length; i++) {
          values[i] = buffer.getFloat(8 + headerLength + (int) begin + 4 * i);
        }
        floats.put(entry.getKey(), values);
        shapes.put(entry.getKey(), tensor.getAsJsonArray("shape").asList().stream()
            .mapToLong(JsonElement::getAsLong).toArray());
      }
      for (String key : floats.keySet()) {
        assertTrue(key.startsWith("base_model.model."), "get_peft_model_state_dict keys: " + key);
        assertTrue(key.endsWith(".lora_A.weight") || key.endsWith(".lora_B.weight")
            || key.startsWith("base_model.model.classifier."), "no adapter name, no other tensors: " + key);
      }
    }

    double[][] forward(double[][] x) {
      double[][] q = linear("query", x);
      double[][] v = linear("value", x);
      double[][] sum = new double[q.length][q[0].length];
      for (int i = 0; i < q.length; i++) {
        for (int j = 0; j < q[i].length; j++) {
          sum[i][j] = q[i][j] + v[i][j];
        }
      }
      double[][] hidden = linear("head.0", sum);
      for (double[] row : hidden) {
        for (int j = 0; j < row.length; j++) {
          row[j] = Math.max(0, row[j]);
        }
      }
      return linear("head.2", hidden);
    }

    /** nn.Linear, plus LoRA when PEFT would target the module: result + scaling * lora_B(lora_A(x)). */
    private double[][] linear(String path, double[][] x) {
      double[][] y = times(x, baseWeights.get(path));
      double[] bias = baseBiases.get(path);
      if (bias != null) {
        for (double[] row : y) {
          for (int j = 0; j < row.length; j++) {
            row[j] += bias[j];
          }
        }
      }
      if (config == null || !targeted(path)) {
        return y;
      }
      String a = "base_model.model." + path + ".lora_A.weight";
      String b = "base_model.model." + path + ".lora_B.weight";
      assertTrue(floats.containsKey(a) && floats.containsKey(b), "targeted module " + path + " has its factors");
      int r = rank(path, "rank_pattern", "r");
      double alpha = rank(path, "alpha_pattern", "lora_alpha");
      double scaling = config.get("use_rslora").getAsBoolean() ? alpha / Math.sqrt(r) : alpha / r;
      long[] shapeA = shapes.get(a);
      long[] shapeB = shapes.get(b);
      assertEquals(r, shapeA[0], path + ": lora_A is (r, in) with PEFT's r for the module");
      assertEquals(r, shapeB[1], path + ": lora_B is (out, r)");
      double[][] ax = times(x, matrix(floats.get(a), shapeA[0], shapeA[1]));
      double[][] bax = times(ax, matrix(floats.get(b), shapeB[0], shapeB[1]));
      for (int i = 0; i < y.length; i++) {
        for (int j = 0; j < y[i].length; j++) {
          y[i][j] += scaling * bax[i][j];
        }
      }
      return y;
    }

    /** check_target_module_exists with a list: the key itself, or a key ending in "." + target. */
    private boolean targeted(String path) {
      for (JsonElement target : config.getAsJsonArray("target_modules")) {
        if (path.equals(target.getAsString()) || path.endsWith("." + target.getAsString())) {
          return true;
        }
      }
      return false;
    }

    /** The pattern's value for the module (get_pattern_key: re.match(rf"(.*\.)?({key})$", path)), else the default. */
    private int rank(String path, String pattern, String field) {
      for (Map.Entry<String, JsonElement> entry : config.getAsJsonObject(pattern).entrySet()) {
        if (Pattern.compile("(.*\\.)?(" + entry.getKey() + ")$").matcher(path).lookingAt()) {
          return entry.getValue().getAsInt();
        }
      }
      return config.get(field).getAsInt();
    }
  }

  /** x (n, in) times weightᵀ, weight (out, in). */
  private static double[][] times(double[][] x, double[][] weight) {
    double[][] y = new double[x.length][weight.length];
    for (int i = 0; i < x.length; i++) {
      for (int o = 0; o < weight.length; o++) {
        double sum = 0;
        for (int k = 0; k < x[i].length; k++) {
          sum += x[i][k] * weight[o][k];
        }
        y[i][o] = sum;
      }
    }
    return y;
  }
}
