package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import dev.rankwise.runtime.AdapterLayer;
import dev.rankwise.runtime.lora.LoraLinear;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.BlockPaths;
import dev.rankwise.runtime.io.PeftLoraConfig;
import dev.rankwise.runtime.model.PeftImport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PEFT LoRA folders (PEFT v0.20.0's layout, hand-built by {@link PeftFolders}) imported onto tiny
 * random models of each layout: every adapted layer computes {@code W0 x + b + s · B A x} with the
 * scaling PEFT gives the module ({@code lora_alpha / r}, {@code rank_pattern}, {@code
 * alpha_pattern}, rsLoRA's {@code alpha / sqrt(r)}), computed here independently in double; the
 * whole model equals the base with {@code W0 + s · B A} written into its weights; F16 and BF16
 * factors compute as the floats they hold; and what plain LoRA cannot import is refused by name.
 */
class PeftImportTest {

  private static final Logger LOG = LoggerFactory.getLogger(PeftImportTest.class);
  private static final double TOLERANCE = 1e-5;

  @TempDir Path directory;
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager("PyTorch");
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Query and value of both layers, under {@code prefix}, with PEFT's module names. */
  private static String[] modules(Layout layout, String prefix) {
    String[] modules = new String[4];
    for (int layer = 0; layer < 2; layer++) {
      modules[2 * layer] = prefix + layout.queryPath(layer);
      modules[2 * layer + 1] = prefix + layout.valuePath(layer);
    }
    return modules;
  }

  /**
   * A folder with r 4, lora_alpha 8, rank_pattern {@code layer\.1\..*(query|q_lin)}: 2 and
   * alpha_pattern {@code v(alue|_lin)}: 32.
   */
  private PeftFolders.Adapter patterned(Layout layout, String prefix, boolean rsLora, String dtype) {
    PeftFolders.Adapter adapter = new PeftFolders.Adapter(4, 8,
        layout == Layout.DISTILBERT ? new String[] {"q_lin", "v_lin"} : new String[] {"query", "value"});
    adapter.config.addProperty("use_rslora", rsLora);
    adapter.config.getAsJsonObject("rank_pattern").addProperty("layer\\.1\\..*(query|q_lin)", 2);
    adapter.config.getAsJsonObject("alpha_pattern").addProperty("v(alue|_lin)", 32);
    for (String module : modules(layout, prefix)) {
      adapter.lora(module, rank(module), 8, 8, dtype);
    }
    return adapter;
  }

  /** The rank the patterns give, by hand: layer 1's query 2, else 4. */
  private static int rank(String module) {
    return module.contains("layer.1.") && (module.endsWith("query") || module.endsWith("q_lin")) ? 2 : 4;
  }

  /** The scaling PEFT's LoraLayer.update_layer computes, by hand. */
  private static double scaling(String module, boolean rsLora) {
    double alpha = module.endsWith("value") || module.endsWith("v_lin") ? 32 : 8;
    int r = rank(module);
    return rsLora ? alpha / Math.sqrt(r) : alpha / r;
  }

  private static Map<String, Weights.Tensor> base(Layout layout) throws IOException {
    return ModelFolders.tiny(ModelFolders.tinyConfig(layout), value -> value);
  }

  private static BertModel model(Layout layout, Map<String, Weights.Tensor> tensors) throws IOException {
    BertConfig config = BertConfig.parse(ModelFolders.tinyConfig(layout), "tiny");
    return BertModel.builder().setConfig(config).build().load(new Weights("tiny", tensors), manager);
  }

  /** Imports, then checks every layer and the whole model; returns the largest difference seen. */
  private double importAndCheck(Layout layout, String prefix, boolean rsLora, String dtype) throws IOException {
    PeftFolders.Adapter adapter = patterned(layout, prefix, rsLora, dtype);
    Path folder = adapter.write(directory.resolve(layout + "-" + prefix + rsLora + dtype));
    Map<String, Weights.Tensor> tensors = base(layout);
    AdaptedModel adapted = PeftAdapters.load(model(layout, tensors), folder);
    assertEquals(4, adapted.layers().size(), adapted.layers().keySet().toString());

    double worst = 0;
    Map<String, Weights.Tensor> merged = new LinkedHashMap<>(tensors);
    Random random = new Random(3);
    for (Map.Entry<String, float[][]> entry : adapter.factors.entrySet()) {
      String module = entry.getKey();
      String path = module.substring(prefix.length());
      float[] a = entry.getValue()[0];
      float[] b = entry.getValue()[1];
      int r = rank(module);
      double s = scaling(module, rsLora);
      float[] w0 = tensors.get(path + ".weight").values();
      float[] bias = tensors.get(path + ".bias").values();
      AdapterLayer layer = adapted.layers().get(path);
      assertTrue(layer instanceof LoraLinear, path + " is adapted by plain LoRA");
      // One layer: W0 x + b + s · B A x, in double.
      float[] x = new float[3 * 8];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) random.nextGaussian();
      }
      float[] y;
      try (NDManager scope = manager.newSubManager()) {
        y = layer.forward(new ParameterStore(scope, false), new NDList(scope.create(x, new Shape(3, 8))), false)
            .singletonOrThrow().toFloatArray();
      }
      for (int row = 0; row < 3; row++) {
        for (int o = 0; o < 8; o++) {
          double expected = bias[o];
          for (int i = 0; i < 8; i++) {
            double delta = 0;
            for (int k = 0; k < r; k++) {
              delta += (double) b[o * r + k] * a[k * 8 + i];
            }
            expected += (w0[o * 8 + i] + s * delta) * x[row * 8 + i];
          }
          worst = Math.max(worst, Math.abs(expected - y[row * 8 + o]));
        }
      }
      // The whole model's reference: W0 + s · B A written into the base's weights.
      float[] w = new float[64];
      for (int o = 0; o < 8; o++) {
        for (int i = 0; i < 8; i++) {
          double delta = 0;
          for (int k = 0; k < r; k++) {
            delta += (double) b[o * r + k] * a[k * 8 + i];
          }
          w[o * 8 + i] = (float) (w0[o * 8 + i] + s * delta);
        }
      }
      merged.put(path + ".weight", new Weights.Tensor(new long[] {8, 8}, w));
    }
    float[] imported = tokenStates(adapted.block());
    float[] reference = tokenStates(model(layout, merged));
    double whole = ModelFolders.maxDiff(imported, reference);
    LOG.info("{} '{}' rsLora={} {}: max |diff| per layer {}, whole model {}", layout, prefix, rsLora, dtype,
        worst, whole);
    assertTrue(worst <= TOLERANCE, "layer outputs differ by " + worst);
    assertTrue(whole <= TOLERANCE, "token states differ by " + whole);
    assertFalse(adapted.trainableParameters().isEmpty());
    return Math.max(worst, whole);
  }

  private static float[] tokenStates(ai.djl.nn.Block model) {
    try (NDManager scope = manager.newSubManager()) {
      long[] ids = {101, 2023, 2003, 1037, 3231, 102, 101, 7592, 102, 0, 0, 0};
      long[] mask = {1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0};
      NDArray idArray = scope.create(ids, new Shape(2, 6));
      NDArray maskArray = scope.create(mask, new Shape(2, 6));
      return model.forward(new ParameterStore(scope, false), new NDList(idArray, maskArray), false)
          .singletonOrThrow().toFloatArray();
    }
  }

  @Test
  void eachLayoutPrefixImportsWithRankAndAlphaPatterns() throws Exception {
    importAndCheck(Layout.BERT, "bert.", false, "F32");
    importAndCheck(Layout.BERT, "", false, "F32");
    importAndCheck(Layout.ROBERTA, "roberta.", false, "F32");
    importAndCheck(Layout.ROBERTA, "", false, "F32");
    importAndCheck(Layout.DISTILBERT, "distilbert.", false, "F32");
  }

  @Test
  void rsLoraScalesByAlphaOverTheRootOfTheRank() throws Exception {
    importAndCheck(Layout.BERT, "bert.", true, "F32");
    importAndCheck(Layout.DISTILBERT, "distilbert.", true, "F32");
  }

  @Test
  void halfPrecisionFactorsComputeAsTheFloatsTheyHold() throws Exception {
    importAndCheck(Layout.BERT, "bert.", false, "F16");
    importAndCheck(Layout.ROBERTA, "roberta.", true, "BF16");
  }

  @Test
  void patternKeysMatchAsPeftsGetPatternKey() {
    // re.match(rf"(.*\.)?({key})$", module): a whole trailing run of segments, the first key in order wins.
    var keys = java.util.List.of("layer.1.attention.self.query", "query");
    assertEquals("layer.1.attention.self.query",
        PeftLoraConfig.patternKey(keys, "bert.encoder.layer.1.attention.self.query"));
    assertEquals("query",
        PeftLoraConfig.patternKey(keys, "bert.encoder.layer.0.attention.self.query"));
    assertEquals("encoder.layer.11.attention.self.query", PeftLoraConfig.patternKey(
        java.util.List.of("uery", "layer.1.attention.self.query"), "encoder.layer.11.attention.self.query"));
  }

  private static String refusal(Path folder, Layout layout) throws IOException {
    BertModel model = model(layout, base(layout));
    Map<String, ai.djl.nn.Block> before = BlockPaths.of(model);
    IOException e = assertThrows(IOException.class, () -> PeftAdapters.load(model, folder));
    assertEquals(before, BlockPaths.of(model), "a refused import leaves the model as it was");
    return e.getMessage();
  }

  @Test
  void doraIsRefusedWithAClearMessage() throws Exception {
    PeftFolders.Adapter adapter = patterned(Layout.BERT, "bert.", false, "F32");
    adapter.config.addProperty("use_dora", true);
    String message = refusal(adapter.write(directory.resolve("dora")), Layout.BERT);
    assertTrue(message.contains("adapter_config.json") && message.contains("use_dora") && message.contains("DoRA"),
        message);
  }

  @Test
  void pickleFilesAreRefusedAndNeverRead() throws Exception {
    Path folder = directory.resolve("pickle");
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("adapter_config.json"), patterned(Layout.BERT, "bert.", false, "F32")
        .config.toString());
    // Not a pickle at all: were it opened, any reader would fail on it with another message.
    Files.write(folder.resolve("adapter_model.bin"), new byte[] {(byte) 0x80, 0x04, 'c', 'o', 's'});
    String message = refusal(folder, Layout.BERT);
    assertTrue(message.contains("adapter_model.bin")
        && message.contains("pickle files are not read; save with safe_serialization=True"), message);
  }

  @Test
  void modulesTheModelDoesNotHaveAreRefusedByKey() throws Exception {
    // A DistilBERT adapter brought to a BERT model.
    PeftFolders.Adapter distil = patterned(Layout.DISTILBERT, "distilbert.", false, "F32");
    distil.config.remove("target_modules");
    String message = refusal(distil.write(directory.resolve("distil-on-bert")), Layout.BERT);
    assertTrue(message.contains("adapter_model.safetensors")
        && message.contains("base_model.model.distilbert.transformer.layer.0.attention.q_lin.lora_A.weight")
        && message.contains("does not have"), message);
    // target_modules naming a module no layer has.
    PeftFolders.Adapter llama = patterned(Layout.BERT, "bert.", false, "F32");
    llama.config.add("target_modules", com.google.gson.JsonParser.parseString("[\"q_proj\", \"value\"]"));
    message = refusal(llama.write(directory.resolve("llama-targets")), Layout.BERT);
    assertTrue(message.contains("adapter_config.json") && message.contains("'q_proj'"), message);
  }

  @Test
  void otherPeftTypesAreRefused() throws Exception {
    PeftFolders.Adapter adapter = patterned(Layout.BERT, "bert.", false, "F32");
    adapter.config.addProperty("peft_type", "IA3");
    String message = refusal(adapter.write(directory.resolve("ia3")), Layout.BERT);
    assertTrue(message.contains("peft_type is 'IA3'") && message.contains("LORA"), message);
  }

  @Test
  void aRankTheConfigDoesNotGiveIsRefusedNamingTheTensor() throws Exception {
    PeftFolders.Adapter adapter = patterned(Layout.BERT, "bert.", false, "F32");
    adapter.config.add("rank_pattern", new JsonObject()); // the file's layer-1 query has rank 2
    String message = refusal(adapter.write(directory.resolve("rank")), Layout.BERT);
    assertTrue(message.contains("bert.encoder.layer.1.attention.self.query.lora_A.weight")
        && message.contains("[2, 8]") && message.contains("[4, 8]"), message);
  }

  @Test
  void aTaskHeadOutsideTheEncoderIsSkipped() throws Exception {
    PeftFolders.Adapter adapter = patterned(Layout.BERT, "bert.", false, "F32");
    adapter.file.f32("base_model.model.classifier.modules_to_save.weight", new long[] {2, 8}, new float[16]);
    adapter.file.f32("base_model.model.classifier.modules_to_save.bias", new long[] {2}, new float[2]);
    AdaptedModel adapted = PeftAdapters.load(model(Layout.BERT, base(Layout.BERT)),
        adapter.write(directory.resolve("head")));
    assertEquals(4, adapted.layers().size());
  }
}
