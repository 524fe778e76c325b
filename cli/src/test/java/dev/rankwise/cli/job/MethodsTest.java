package dev.rankwise.cli.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.rankwise.encoders.bert.BertConfig;
import dev.rankwise.encoders.bert.BertModel;
import dev.rankwise.runtime.model.AdaptedModel;
import dev.rankwise.runtime.model.BlockPaths;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The main job's declarations: same tasks, matched size, upper layers only. */
class MethodsTest {

  @Test
  void everyMethodIsWithinFivePercentOfSharedLoraAndAdaptsTheTopTwoLayers() throws Exception {
    List<TaskTexts> tasks = TaskTexts.labelsOnly(Path.of("../data"), Method.ALL.get(0).tasks());
    try (EncoderSession session = new EncoderSession(tasks, BaseModel.DEFAULT.open(16), false)) {
      long reference = 0;
      for (Method method : Method.ALL) {
        try (NDManager manager = NDManager.newBaseManager()) {
          AdaptedModel adapted = method.spec().attach(session.model(manager));
          long trainable = adapted.summary().trainable();
          if (reference == 0) {
            reference = trainable;
          }
          double difference = Math.abs(trainable - reference) / (double) reference;
          System.out.printf("%-36s %,7d trainable (%+.1f %%)%n", method.label(), trainable,
              100.0 * (trainable - reference) / reference);
          assertTrue(difference <= 0.05, method.id() + ": " + trainable + " vs " + reference);
          assertEquals(4, adapted.layers().size(), method.id());
          assertEquals(4, session.firstAdaptedLayer(adapted), method.id());
          assertEquals(Method.ALL.get(0).tasks(), method.tasks(), method.id());
        }
      }
      assertEquals(12_288 * 4, reference, "shared LoRA r=16 on four 384x384 layers");
    }
  }

  @Test
  void onAnotherBaseTheMethodsAdaptItsTopTwoLayersUnderItsOwnNames() throws Exception {
    String bert12 = """
        {"model_type": "bert", "num_hidden_layers": 12, "hidden_size": 8, "num_attention_heads": 2,
         "intermediate_size": 16, "max_position_embeddings": 16, "type_vocab_size": 2, "vocab_size": 10}""";
    String distil = """
        {"model_type": "distilbert", "n_layers": 3, "dim": 8, "n_heads": 2, "hidden_dim": 16,
         "max_position_embeddings": 16, "vocab_size": 10}""";
    Map<String, List<String>> expected = Map.of(
        bert12, List.of("encoder.layer.10.attention.self.query", "encoder.layer.10.attention.self.value",
            "encoder.layer.11.attention.self.query", "encoder.layer.11.attention.self.value"),
        distil, List.of("transformer.layer.1.attention.q_lin", "transformer.layer.1.attention.v_lin",
            "transformer.layer.2.attention.q_lin", "transformer.layer.2.attention.v_lin"));
    for (Map.Entry<String, List<String>> base : expected.entrySet()) {
      BertConfig config = BertConfig.parse(base.getKey(), "test");
      Set<String> paths = BlockPaths.of(BertModel.builder().setConfig(config).build()).keySet();
      for (Method method : Method.ALL) {
        Method moved = method.onBase(config);
        List<String> targets = moved.spec().targetRules().stream().flatMap(rule -> rule.patterns().stream()).toList();
        assertEquals(base.getValue(), targets, method.id() + " on " + config.layout());
        assertTrue(paths.containsAll(targets), method.id() + ": " + targets + " are layers of the model");
        assertEquals(method.spec().targetRules().get(0).config(), moved.spec().targetRules().get(0).config());
      }
    }
    assertEquals(Method.ALL.get(0).spec().targetRules(), Method.ALL.get(0).onBase(BertConfig.parse("""
        {"model_type": "bert", "num_hidden_layers": 6, "hidden_size": 8, "num_attention_heads": 2,
         "intermediate_size": 16, "max_position_embeddings": 16, "type_vocab_size": 2, "vocab_size": 10}""", "minilm"))
        .spec().targetRules(), "on MiniLM's six layers nothing moves");
  }

  @Test
  void onEveryLayerTheMethodsAdaptEachLayersQueryAndValueOnceAtTheirDeclaredSize() throws Exception {
    List<TaskTexts> tasks = TaskTexts.labelsOnly(Path.of("../data"), Method.ALL.get(0).tasks());
    try (EncoderSession session = new EncoderSession(tasks, BaseModel.DEFAULT.open(16), false)) {
      for (Method method : Method.ALL) {
        try (NDManager manager = NDManager.newBaseManager()) {
          AdaptedModel top = session.onBase(method).spec().attach(session.model(manager));
          AdaptedModel every = session.onBase(method, Placement.EVERY_LAYER).spec().attach(session.model(manager));
          assertEquals(12, every.layers().size(), method.id() + ": q and v of six layers, each once");
          assertEquals(0, session.firstAdaptedLayer(every), method.id());
          assertEquals(3 * top.summary().trainable(), every.summary().trainable(), method.id()
              + ": the same adapter on three times the layers");
        }
      }
    }
    assertEquals(Placement.EVERY_LAYER, Placement.parse("every-layer"));
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> Placement.parse("all"));
    assertTrue(unknown.getMessage().contains("top-two"), unknown.getMessage());
  }

  @Test
  void unknownMethodsAndTasksAreNamed() {
    IllegalArgumentException method = assertThrows(IllegalArgumentException.class, () -> Method.byId("lora"));
    assertTrue(method.getMessage().contains("shared-lora"), method.getMessage());
    IllegalArgumentException task = assertThrows(IllegalArgumentException.class,
        () -> TaskTexts.labelsOnly(Path.of("../data"), List.of("sentiment")));
    assertTrue(task.getMessage().contains("sentiment") && task.getMessage().contains("finefood"),
        task.getMessage());
  }
}
