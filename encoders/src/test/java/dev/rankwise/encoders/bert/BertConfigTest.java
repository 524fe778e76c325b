package dev.rankwise.encoders.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rankwise.encoders.bert.BertConfig.HiddenAct;
import dev.rankwise.encoders.bert.BertConfig.Layout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json in each of the three key sets, and the configs rankwise cannot run, named by key and file. */
class BertConfigTest {

  /** roberta-base's config.json as transformers saves it. */
  private static final String ROBERTA_BASE = """
      {"architectures": ["RobertaForMaskedLM"], "attention_probs_dropout_prob": 0.1,
       "bos_token_id": 0, "eos_token_id": 2, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
       "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072,
       "layer_norm_eps": 1e-05, "max_position_embeddings": 514, "model_type": "roberta",
       "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 1,
       "type_vocab_size": 1, "vocab_size": 50265}""";

  /** distilbert-base-uncased's config.json. */
  private static final String DISTILBERT_BASE = """
      {"activation": "gelu", "architectures": ["DistilBertForMaskedLM"], "attention_dropout": 0.1,
       "dim": 768, "dropout": 0.1, "hidden_dim": 3072, "initializer_range": 0.02,
       "max_position_embeddings": 512, "model_type": "distilbert", "n_heads": 12, "n_layers": 6,
       "pad_token_id": 0, "qa_dropout": 0.1, "seq_classif_dropout": 0.2,
       "sinusoidal_pos_embds": false, "tie_weights_": true, "vocab_size": 30522}""";

  @Test
  void bertKeys() throws Exception {
    BertConfig config = ShippedBase.BGE_SMALL_EN_V15.config();
    assertEquals(new BertConfig(Layout.BERT, 12, 384, 12, 1536, HiddenAct.GELU, 1e-12f, 512, 2, 30522, 0),
        config);
    assertEquals(32, config.headSize());
    assertEquals(0, config.positionOffset());
    assertEquals(512, config.maxTokens());
    assertEquals(6, ShippedBase.ALL_MINILM_L6_V2.config().layers());
  }

  @Test
  void robertaKeysNumberPositionsAfterThePaddingToken() throws Exception {
    BertConfig config = BertConfig.parse(ROBERTA_BASE, "roberta-base/config.json");
    assertEquals(new BertConfig(Layout.ROBERTA, 12, 768, 12, 3072, HiddenAct.GELU, 1e-5f, 514, 1, 50265, 1),
        config);
    assertEquals(2, config.positionOffset());
    assertEquals(512, config.maxTokens());
    assertEquals(Layout.ROBERTA, BertConfig.parse(ROBERTA_BASE.replace("\"roberta\"", "\"xlm-roberta\""), "x")
        .layout());
  }

  @Test
  void eachLayoutNamesItsLayersAndTheirQueryAndValueProjections() {
    assertEquals("encoder.layer.11.attention.self.query", Layout.BERT.queryPath(11));
    assertEquals("encoder.layer.0.attention.self.value", Layout.ROBERTA.valuePath(0));
    assertEquals("transformer.layer.5.attention.q_lin", Layout.DISTILBERT.queryPath(5));
    assertEquals("transformer.layer.5.attention.v_lin", Layout.DISTILBERT.valuePath(5));
    assertEquals(java.util.OptionalInt.of(10), Layout.BERT.layerOf("encoder.layer.10.attention.self.query"));
    assertEquals(java.util.OptionalInt.of(3), Layout.DISTILBERT.layerOf("transformer.layer.3.ffn.lin1"));
    assertEquals(java.util.OptionalInt.empty(), Layout.BERT.layerOf("embeddings.word_embeddings"));
    assertEquals(java.util.OptionalInt.empty(), Layout.BERT.layerOf("encoder.layers.1.x"));
    assertEquals(java.util.OptionalInt.empty(), Layout.DISTILBERT.layerOf("encoder.layer.1.attention.self.query"));
  }

  @Test
  void distilbertKeys() throws Exception {
    BertConfig config = BertConfig.parse(DISTILBERT_BASE, "distilbert-base-uncased/config.json");
    assertEquals(new BertConfig(Layout.DISTILBERT, 6, 768, 12, 3072, HiddenAct.GELU, 1e-12f, 512, 0, 30522, 0),
        config);
    assertEquals(HiddenAct.RELU,
        BertConfig.parse(DISTILBERT_BASE.replace("\"activation\": \"gelu\"", "\"activation\": \"relu\""), "x")
            .activation());
  }

  @Test
  void activationsByTheirTransformersNames() throws Exception {
    for (String[] pair : new String[][] {{"gelu", "GELU"}, {"gelu_new", "GELU_TANH"},
        {"gelu_pytorch_tanh", "GELU_TANH"}, {"relu", "RELU"}, {"swish", "SILU"}, {"quick_gelu", "QUICK_GELU"}}) {
      String json = ROBERTA_BASE.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"" + pair[0] + "\"");
      assertEquals(HiddenAct.valueOf(pair[1]), BertConfig.parse(json, "x").activation(), pair[0]);
    }
  }

  @Test
  void readsAFileAndNamesItWhenItIsMissing(@TempDir Path folder) throws Exception {
    Path file = folder.resolve("config.json");
    Files.writeString(file, DISTILBERT_BASE);
    assertEquals(768, BertConfig.read(file).hidden());
    IOException missing = assertThrows(IOException.class, () -> BertConfig.read(folder.resolve("nope.json")));
    assertTrue(missing.getMessage().contains("nope.json"), missing.getMessage());
  }

  @Test
  void whatCannotRunIsAnErrorNamingTheKeyAndTheFile() {
    expectError(ROBERTA_BASE.replace("\"model_type\": \"roberta\",",
        "\"model_type\": \"roberta\", \"position_embedding_type\": \"relative_key\","),
        "position_embedding_type", "relative_key");
    expectError(ROBERTA_BASE.replace("\"hidden_act\": \"gelu\"", "\"hidden_act\": \"mish\""), "hidden_act", "mish");
    expectError(ROBERTA_BASE.replace("\"num_hidden_layers\": 12,", ""), "num_hidden_layers");
    expectError(ROBERTA_BASE.replace("\"roberta\"", "\"deberta-v2\""), "model_type", "deberta-v2");
    expectError(ROBERTA_BASE.replace("\"model_type\": \"roberta\",", ""), "model_type");
    expectError(ROBERTA_BASE.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 7"),
        "hidden (768) must be a multiple of heads (7)");
    expectError(ROBERTA_BASE.replace("\"hidden_size\": 768", "\"hidden_size\": \"768\""), "hidden_size");
    expectError(ROBERTA_BASE.replace("\"hidden_size\": 768", "\"hidden_size\": 768.5"), "hidden_size");
    expectError("[1, 2]", "JSON object");
    expectError("{\"model_type\": ", "not valid JSON");
  }

  private static void expectError(String json, String... fragments) {
    IOException error = assertThrows(IOException.class, () -> BertConfig.parse(json, "some/config.json"));
    assertTrue(error.getMessage().startsWith("some/config.json: "), error.getMessage());
    for (String fragment : fragments) {
      assertTrue(error.getMessage().contains(fragment), error.getMessage() + " names " + fragment);
    }
  }
}
