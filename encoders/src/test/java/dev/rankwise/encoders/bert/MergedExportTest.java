package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.rankwise.annotations.Mixer;
import dev.rankwise.encoders.bert.BertConfig.HiddenAct;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import dev.rankwise.runtime.lora.LoraConfig;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.AdapterSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A base with its adapters merged, written as a Hugging Face folder ({@link MergedExport}) and read
 * back with {@link BertEncoder#fromFolder}: its sentence features equal the adapted model's within
 * 1e-5, and with zero adapters the base's bit for bit; it declares the base's pooling, so {@link
 * BertEncoder#open} reads it without one; its config parses to the base's; its
 * tensors carry {@code save_pretrained}'s names of a bare model, and its tokenizer is the base's.
 */
class MergedExportTest {

  private static final Logger LOG = LoggerFactory.getLogger(MergedExportTest.class);
  private static final List<String> TEXTS = List.of("Great coffee, I buy it every month.", "ok",
      "The wheat harvest in Argentina was smaller than expected.");

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

  private BertEncoder base(Layout layout, String prefix) throws Exception {
    Map<String, Weights.Tensor> tensors = new java.util.LinkedHashMap<>();
    ModelFolders.tiny(ModelFolders.tinyConfig(layout), value -> value).forEach((name, tensor) -> tensors.put(prefix + name, tensor));
    Path folder = ModelFolders.tinyFolder(directory.resolve("base-" + layout + prefix), ModelFolders.tinyConfig(layout), tensors,
        ModelFolders.Dtype.F32);
    return BertEncoder.fromFolder(folder, "test/tiny", pooling(layout), 32);
  }

  /** Each layout with another pooling; RoBERTa's as e5's, prefixed, so the prefix must survive the export. */
  private static Pooling pooling(Layout layout) {
    return switch (layout) {
      case ROBERTA -> Pooling.mean().normalized().withPrefix("query: ");
      case DISTILBERT -> Pooling.cls();
      default -> Pooling.mean();
    };
  }

  private static float[] features(BertEncoder encoder, Block model) {
    try (NDManager scope = manager.newSubManager()) {
      return model.forward(new ParameterStore(scope, false), new NDList(encoder.inputs().pack(scope, TEXTS)), false)
          .singletonOrThrow().toFloatArray();
    }
  }

  @Test
  void trainedLikeAdaptersMergedReadBackAsTheAdaptedModelInEachLayout() throws Exception {
    for (Layout layout : Layout.values()) {
      String prefix = layout.checkpointPrefix();
      try (BertEncoder base = base(layout, prefix)) {
        // Non-zero adapters on query and value of both layers, with rank and alpha patterns.
        PeftFolders.Adapter adapter = new PeftFolders.Adapter(4, 16);
        for (int layer = 0; layer < 2; layer++) {
          adapter.lora(prefix + layout.queryPath(layer), 4, 8, 8, "F32");
          adapter.lora(prefix + layout.valuePath(layer), 4, 8, 8, "F32");
        }
        adapter.config.remove("target_modules");
        AdaptedModel adapted = PeftAdapters.load(base.newBlock(manager),
            adapter.write(directory.resolve("peft-" + layout)));
        float[] expected = features(base, adapted.block());
        float[] original = features(base, base.newBlock(manager));
        Path out = directory.resolve("merged-" + layout);
        MergedExport.write(base, adapted, null, out);

        assertEquals(base.config(), BertConfig.read(out.resolve("config.json")));
        assertArrayEquals(base.tokenizerJson(), Files.readAllBytes(out.resolve("tokenizer.json")));
        Map<String, Weights.Tensor> written = SafetensorsWeights.read(out.resolve("model.safetensors")).tensors();
        assertTrue(written.containsKey(layout.queryPath(0) + ".weight"), written.keySet().toString());
        assertTrue(written.keySet().stream().noneMatch(name -> name.startsWith(prefix)), written.keySet().toString());
        assertEquals(Optional.of(base.pooling()), Pooling.readSentenceTransformers(out), "the base's pooling, declared");
        try (BertEncoder exported = BertEncoder.open(out.toString(), null, 32)) {
          float[] actual = features(exported, exported.newBlock(manager));
          double diff = ModelFolders.maxDiff(expected, actual);
          double moved = ModelFolders.maxDiff(expected, original);
          LOG.info("{}: merged export read back, max |diff| to the adapted model {} (adapters moved features by {})",
              layout, diff, moved);
          assertTrue(diff <= 1e-5, layout + ": " + diff);
          assertTrue(moved > 1e-2, layout + ": the adapters must change the features, moved " + moved);
        }
      }
    }
  }

  @Test
  void zeroAdaptersExportTheBaseBitForBit() throws Exception {
    for (Layout layout : Layout.values()) {
      try (BertEncoder base = base(layout, "")) {
        LoraConfig lora = LoraConfig.builder().setRanks(4, 4).optMixer(Mixer.IDENTITY).optAlpha(8).build();
        AdaptedModel adapted = AdapterSpec.builder("test.Zero")
            .target(lora, layout.queryPath(0), layout.valuePath(1)).build().attach(base.newBlock(manager));
        Path out = directory.resolve("zero-" + layout);
        MergedExport.write(base, adapted, null, out);
        try (BertEncoder exported = BertEncoder.fromFolder(out, "test/tiny-zero", pooling(layout), 32)) {
          assertArrayEquals(features(base, base.newBlock(manager)), features(exported, exported.newBlock(manager)));
          assertEquals(base.fingerprint(), exported.fingerprint(), "the same weights in the model's terms");
        }
      }
    }
  }

  @Test
  void theConfigIsTheOneHuggingFaceWritesAndParsesBack() throws Exception {
    for (Layout layout : Layout.values()) {
      BertConfig config = BertConfig.parse(ModelFolders.tinyConfig(layout), "tiny");
      var json = config.toHuggingFace();
      assertEquals(config, BertConfig.parse(json.toString(), "exported"));
      assertTrue(json.has(layout == Layout.DISTILBERT ? "dim" : "hidden_size"), json.toString());
      assertEquals(switch (layout) {
        case BERT -> "BertModel";
        case ROBERTA -> "RobertaModel";
        case DISTILBERT -> "DistilBertModel";
      }, json.getAsJsonArray("architectures").get(0).getAsString());
    }
    for (HiddenAct activation : HiddenAct.values()) {
      BertConfig config = new BertConfig(Layout.BERT, 2, 8, 2, 16, activation, 1e-5f, 64, 2, 100, 0);
      assertEquals(config, BertConfig.parse(config.toHuggingFace().toString(), "exported"));
    }
  }

  @Test
  void aModelThatStillHoldsAdaptersIsRefused() throws Exception {
    try (BertEncoder base = base(Layout.BERT, "")) {
      LoraConfig lora = LoraConfig.builder().setRanks(2, 2).optMixer(Mixer.IDENTITY).build();
      AdaptedModel adapted = AdapterSpec.builder("test.Unmerged").target(lora, "encoder.layer.0.attention.self.query")
          .build().attach(base.newBlock(manager));
      IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> MergedExport.write(base, (BertModel) adapted.block(), directory.resolve("unmerged")));
      assertTrue(e.getMessage().contains("encoder.layer.0.attention.self.query")
          && e.getMessage().contains("mergeAndUnload"), e.getMessage());
      assertFalse(Files.exists(directory.resolve("unmerged")));
    }
  }
}
