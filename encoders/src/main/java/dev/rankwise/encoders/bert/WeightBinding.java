package dev.rankwise.encoders.bert;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import dev.rankwise.encoders.bert.Weights.Tensor;
import dev.rankwise.runtime.model.BlockPaths;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches a checkpoint's tensors to a {@link BertModel}'s parameters by their Hugging Face names:
 * the block path and the parameter name ({@code encoder.layer.0.attention.self.query.weight}),
 * under the layout's prefix ({@code bert.}, {@code roberta.}, {@code distilbert.}) when the
 * checkpoint was saved from a task model, and {@code LayerNorm.gamma}/{@code beta} for {@code
 * weight}/{@code bias} as older checkpoints name them. Every parameter must be found with the
 * shape the config gives it, and every tensor of the encoder must be used: a tensor left over means
 * the config does not describe the checkpoint. Only the pooler (which no pooling here uses) and,
 * under a prefix, the task head's tensors outside it are skipped.
 */
final class WeightBinding {

  private static final Logger LOG = LoggerFactory.getLogger(WeightBinding.class);
  private static final String WORDS = "embeddings.word_embeddings.weight";
  private static final Set<String> POOLER = Set.of("pooler.dense.weight", "pooler.dense.bias");
  private static final int LISTED = 8;

  private WeightBinding() {}

  /**
   * Each parameter of {@code model} with its tensor from {@code weights}, in block-path order.
   *
   * @throws IOException naming the file and the tensors, if one is missing, of another shape or
   *     left over; nothing is bound then
   */
  static Map<Parameter, Tensor> bind(BertModel model, Weights weights) throws IOException {
    Map<String, Tensor> tensors = weights.tensors();
    String source = weights.source();
    String prefix = prefix(tensors, model.config());
    Map<Parameter, Tensor> bound = new IdentityHashMap<>();
    Set<String> used = new HashSet<>();
    List<String> missing = new ArrayList<>();
    for (Map.Entry<String, Block> block : BlockPaths.of(model).entrySet()) {
      for (Pair<String, Parameter> parameter : block.getValue().getDirectParameters()) {
        String path = block.getKey() + "." + parameter.getKey();
        Shape expected = model.expectedShape(parameter.getValue());
        String name = find(tensors, prefix + path);
        if (name == null) {
          missing.add(prefix + path + " " + expected);
          continue;
        }
        Shape found = new Shape(tensors.get(name).shape());
        if (!found.equals(expected)) {
          throw new IOException(source + ": tensor " + name + " has shape " + found + ", but the config"
              + " (" + model.config().layout() + ", hidden " + model.config().hidden() + ", intermediate "
              + model.config().intermediate() + ", vocab " + model.config().vocab() + ", positions "
              + model.config().maxPositions() + ") gives it " + expected);
        }
        used.add(name);
        bound.put(parameter.getValue(), tensors.get(name));
      }
    }
    if (!missing.isEmpty()) {
      throw new IOException(source + ": " + count(missing.size(), "tensor") + " of the "
          + model.config().layout() + " encoder missing: " + listed(missing) + hint(tensors, prefix));
    }
    List<String> leftOver = new ArrayList<>();
    List<String> head = new ArrayList<>();
    for (String name : tensors.keySet()) {
      if (used.contains(name)) {
        continue;
      }
      if (!name.startsWith(prefix)) {
        head.add(name);
      } else if (POOLER.contains(name.substring(prefix.length()))) {
        LOG.debug("{}: {} is BERT's pooler, which mean and [CLS] pooling do not use", source, name);
      } else {
        leftOver.add(name);
      }
    }
    if (!leftOver.isEmpty()) {
      throw new IOException(source + ": " + count(leftOver.size(), "tensor") + " the "
          + model.config().layout() + " encoder of " + model.config().layers() + " layers does not use: "
          + listed(leftOver) + "; does the config (layers, layout) describe this checkpoint?");
    }
    if (!head.isEmpty()) {
      LOG.info("{}: skipping {} outside the encoder's prefix '{}' (the task head it was saved with): {}",
          source, count(head.size(), "tensor"), prefix, listed(head));
    }
    return bound;
  }

  /** The layout's prefix if the word embeddings are under it and not without, else none. */
  private static String prefix(Map<String, Tensor> tensors, BertConfig config) {
    String prefix = config.layout().checkpointPrefix();
    return !tensors.containsKey(WORDS) && tensors.containsKey(prefix + WORDS) ? prefix : "";
  }

  /** The tensor's name: as given, or with LayerNorm's older names gamma and beta. */
  private static String find(Map<String, Tensor> tensors, String name) {
    if (tensors.containsKey(name)) {
      return name;
    }
    String old = null;
    if (name.endsWith("LayerNorm.weight")) {
      old = name.substring(0, name.length() - "weight".length()) + "gamma";
    } else if (name.endsWith("LayerNorm.bias")) {
      old = name.substring(0, name.length() - "bias".length()) + "beta";
    }
    return old != null && tensors.containsKey(old) ? old : null;
  }

  /** Where the word embeddings are, when they are not where the layout puts them. */
  private static String hint(Map<String, Tensor> tensors, String prefix) {
    if (tensors.containsKey(prefix + WORDS)) {
      return "";
    }
    return tensors.keySet().stream().filter(name -> name.endsWith(WORDS)).findFirst()
        .map(name -> "; the file has " + name + ": is model_type in config.json the checkpoint's?")
        .orElse("; the file has no " + WORDS + " under any prefix");
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }

  private static String listed(List<String> names) {
    return names.size() <= LISTED
        ? String.join(", ", names)
        : String.join(", ", names.subList(0, LISTED)) + " and " + (names.size() - LISTED) + " more";
  }
}
