package dev.rankwise.encoders.bert;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.rankwise.runtime.model.BlockPaths;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes a shipped base's weights as the Hugging Face model folders a user would bring: the BERT
 * layout as it is, and the same network rewritten in the RoBERTa and DistilBERT layouts (their
 * names, position tables and configs, as transformers' modeling files define them), so each layout
 * is checked against ONNX Runtime without downloading a model.
 */
final class ModelFolders {

  private static final Pattern BERT_LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.(.+)");

  /** The BERT layer's tensors under DistilBERT's names (modeling_distilbert.TransformerBlock). */
  private static final Map<String, String> DISTILBERT_NAMES = Map.ofEntries(
      Map.entry("attention.self.query", "attention.q_lin"),
      Map.entry("attention.self.key", "attention.k_lin"),
      Map.entry("attention.self.value", "attention.v_lin"),
      Map.entry("attention.output.dense", "attention.out_lin"),
      Map.entry("attention.output.LayerNorm", "sa_layer_norm"),
      Map.entry("intermediate.dense", "ffn.lin1"),
      Map.entry("output.dense", "ffn.lin2"),
      Map.entry("output.LayerNorm", "output_layer_norm"));

  private ModelFolders() {}

  /** The precision the weights are written in. */
  enum Precision { F32, F16 }

  /** The base's {@code config.json} text. */
  static String config(ShippedBase base) throws IOException {
    return resource(base.configResource());
  }

  /**
   * The base as a BERT folder, tensors named with {@code prefix} ("" or "bert."); with a prefix,
   * also a masked-LM head outside it, the pooler, and the int64 position ids buffer, as {@code
   * BertForMaskedLM.save_pretrained} leaves them.
   */
  static Path bert(Path folder, ShippedBase base, Weights weights, String prefix, Precision precision)
      throws IOException {
    SafetensorsFile file = new SafetensorsFile();
    for (Map.Entry<String, Weights.Tensor> tensor : weights.tensors().entrySet()) {
      put(file, prefix + tensor.getKey(), tensor.getValue().shape(), tensor.getValue().values(), precision);
    }
    if (!prefix.isEmpty()) {
      int hidden = (int) weights.tensors().get("embeddings.LayerNorm.weight").shape()[0];
      put(file, prefix + "pooler.dense.weight", new long[] {hidden, hidden}, new float[hidden * hidden], precision);
      put(file, prefix + "pooler.dense.bias", new long[] {hidden}, new float[hidden], precision);
      put(file, "cls.predictions.bias", new long[] {30522}, new float[30522], precision);
      long[] positions = new long[512];
      for (int i = 0; i < positions.length; i++) {
        positions[i] = i;
      }
      file.i64(prefix + "embeddings.position_ids", new long[] {1, 512}, positions);
    }
    return write(folder, config(base), file, base);
  }

  /**
   * The base as a RoBERTa folder ({@code roberta.} prefix): positions numbered after {@code
   * pad_token_id} 1, so the table gains two rows in front (never read for real tokens), and one
   * token type, row 0 of the original's.
   */
  static Path roberta(Path folder, ShippedBase base, Weights weights, Precision precision) throws IOException {
    SafetensorsFile file = new SafetensorsFile();
    for (Map.Entry<String, Weights.Tensor> tensor : weights.tensors().entrySet()) {
      String name = tensor.getKey();
      long[] shape = tensor.getValue().shape();
      float[] values = tensor.getValue().values();
      if (name.equals("embeddings.position_embeddings.weight")) {
        float[] shifted = new float[values.length + 2 * (int) shape[1]];
        System.arraycopy(values, 0, shifted, 2 * (int) shape[1], values.length);
        values = shifted;
        shape = new long[] {shape[0] + 2, shape[1]};
      } else if (name.equals("embeddings.token_type_embeddings.weight")) {
        values = Arrays.copyOf(values, (int) shape[1]);
        shape = new long[] {1, shape[1]};
      }
      put(file, "roberta." + name, shape, values, precision);
    }
    JsonObject config = JsonParser.parseString(config(base)).getAsJsonObject();
    config.addProperty("model_type", "roberta");
    config.add("architectures", JsonParser.parseString("[\"RobertaModel\"]"));
    config.addProperty("max_position_embeddings", 514);
    config.addProperty("type_vocab_size", 1);
    config.addProperty("pad_token_id", 1);
    return write(folder, config.toString(), file, base);
  }

  /**
   * The base as a DistilBERT folder ({@code distilbert.} prefix): DistilBERT's names and config
   * keys, and no token types, so token type 0's row is added into every position row.
   */
  static Path distilbert(Path folder, ShippedBase base, Weights weights, Precision precision)
      throws IOException {
    SafetensorsFile file = new SafetensorsFile();
    float[] type0 = weights.tensors().get("embeddings.token_type_embeddings.weight").values();
    for (Map.Entry<String, Weights.Tensor> tensor : weights.tensors().entrySet()) {
      String name = tensor.getKey();
      long[] shape = tensor.getValue().shape();
      float[] values = tensor.getValue().values();
      if (name.equals("embeddings.token_type_embeddings.weight")) {
        continue;
      }
      if (name.equals("embeddings.position_embeddings.weight")) {
        values = values.clone();
        for (int i = 0; i < values.length; i++) {
          values[i] += type0[i % (int) shape[1]];
        }
      }
      Matcher layer = BERT_LAYER.matcher(name);
      if (layer.matches()) {
        String rest = layer.group(2);
        String module = rest.substring(0, rest.lastIndexOf('.'));
        String renamed = DISTILBERT_NAMES.get(module);
        if (renamed == null) {
          throw new AssertionError("no DistilBERT name for " + name);
        }
        name = "transformer.layer." + layer.group(1) + "." + renamed + rest.substring(module.length());
      }
      put(file, "distilbert." + name, shape, values, precision);
    }
    JsonObject bert = JsonParser.parseString(config(base)).getAsJsonObject();
    JsonObject config = new JsonObject();
    config.add("architectures", JsonParser.parseString("[\"DistilBertModel\"]"));
    config.addProperty("model_type", "distilbert");
    config.addProperty("activation", "gelu");
    config.add("dim", bert.get("hidden_size"));
    config.add("n_layers", bert.get("num_hidden_layers"));
    config.add("n_heads", bert.get("num_attention_heads"));
    config.add("hidden_dim", bert.get("intermediate_size"));
    config.add("max_position_embeddings", bert.get("max_position_embeddings"));
    config.add("vocab_size", bert.get("vocab_size"));
    config.addProperty("pad_token_id", 0);
    config.addProperty("sinusoidal_pos_embds", false);
    return write(folder, config.toString(), file, base);
  }

  private static void put(SafetensorsFile file, String name, long[] shape, float[] values, Precision precision) {
    if (precision == Precision.F16) {
      file.f16(name, shape, values);
    } else {
      file.f32(name, shape, values);
    }
  }

  private static Path write(Path folder, String config, SafetensorsFile file, ShippedBase base) throws IOException {
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("config.json"), config, StandardCharsets.UTF_8);
    file.write(folder.resolve("model.safetensors"));
    copyResource(base.tokenizerResource(), folder.resolve("tokenizer.json"));
    return folder;
  }

  static void copyResource(String resource, Path target) throws IOException {
    try (InputStream in = ModelFolders.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no class-path resource " + resource);
      }
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static String resource(String resource) throws IOException {
    try (InputStream in = ModelFolders.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("no class-path resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  // Tiny random models of each layout (2 layers, 8 wide, bge's tokenizer), for tests of folders.

  static final String TINY_BERT = """
      {"model_type": "bert", "num_hidden_layers": 2, "hidden_size": 8, "num_attention_heads": 2,
       "intermediate_size": 16, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
       "max_position_embeddings": 64, "type_vocab_size": 2, "vocab_size": 30522, "pad_token_id": 0}""";
  static final String TINY_ROBERTA = """
      {"model_type": "roberta", "num_hidden_layers": 2, "hidden_size": 8, "num_attention_heads": 2,
       "intermediate_size": 16, "hidden_act": "gelu", "layer_norm_eps": 1e-05,
       "max_position_embeddings": 66, "type_vocab_size": 1, "vocab_size": 30522, "pad_token_id": 1}""";
  static final String TINY_DISTILBERT = """
      {"model_type": "distilbert", "n_layers": 2, "dim": 8, "n_heads": 2, "hidden_dim": 16,
       "activation": "gelu", "max_position_embeddings": 64, "vocab_size": 30522, "pad_token_id": 0}""";

  /** The largest |expected − actual| over two arrays of one length, in double. */
  static double maxDiff(float[] expected, float[] actual) {
    if (expected.length != actual.length) {
      throw new AssertionError("lengths differ: " + expected.length + " and " + actual.length);
    }
    double max = 0;
    for (int i = 0; i < expected.length; i++) {
      max = Math.max(max, Math.abs((double) expected[i] - actual[i]));
    }
    return max;
  }

  /** The tiny config of a layout. */
  static String tinyConfig(BertConfig.Layout layout) {
    return switch (layout) {
      case BERT -> TINY_BERT;
      case ROBERTA -> TINY_ROBERTA;
      case DISTILBERT -> TINY_DISTILBERT;
    };
  }

  /** A tiny model's tensors by their Hugging Face names, random but fixed. */
  static Map<String, Weights.Tensor> tiny(String json, UnaryOperator<Float> round) throws IOException {
    BertConfig config = BertConfig.parse(json, "tiny");
    BertModel model = BertModel.builder().setConfig(config).build();
    Random random = new Random(7);
    Map<String, Weights.Tensor> tensors = new LinkedHashMap<>();
    for (Map.Entry<String, Block> block : BlockPaths.of(model).entrySet()) {
      for (Pair<String, Parameter> parameter : block.getValue().getDirectParameters()) {
        Shape shape = model.expectedShape(parameter.getValue());
        float[] values = new float[Math.toIntExact(shape.size())];
        boolean gain = parameter.getKey().endsWith("layer_norm.weight") || parameter.getKey().endsWith("LayerNorm.weight");
        for (int i = 0; i < values.length; i++) {
          values[i] = round.apply((float) ((gain ? 1 : 0) + 0.5 * random.nextGaussian()));
        }
        tensors.put(block.getKey() + "." + parameter.getKey(), new Weights.Tensor(shape.getShape(), values));
      }
    }
    return tensors;
  }

  enum Dtype { F32, F16, BF16 }

  static Path tinyFolder(Path folder, String config, Map<String, Weights.Tensor> tensors, Dtype dtype)
      throws IOException {
    Files.createDirectories(folder);
    Files.writeString(folder.resolve("config.json"), config, StandardCharsets.UTF_8);
    SafetensorsFile file = new SafetensorsFile();
    tensors.forEach((tensor, value) -> {
      switch (dtype) {
        case F32 -> file.f32(tensor, value.shape(), value.values());
        case F16 -> file.f16(tensor, value.shape(), value.values());
        case BF16 -> file.bf16(tensor, value.shape(), value.values());
      }
    });
    file.write(folder.resolve("model.safetensors"));
    ModelFolders.copyResource(ShippedBase.BGE_SMALL_EN_V15.tokenizerResource(), folder.resolve("tokenizer.json"));
    return folder;
  }

}
