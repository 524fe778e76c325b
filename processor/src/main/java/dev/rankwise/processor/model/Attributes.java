package dev.rankwise.processor.model;

import com.google.auto.common.AnnotationMirrors;
import com.google.auto.common.MoreElements;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.VariableElement;

/**
 * Typed reads of one annotation's attributes through its {@link AnnotationMirror}, defaults
 * included, keeping each {@link AnnotationValue} so that errors can point at it.
 */
public final class Attributes {

  /** Canonical name of {@code @Lora}. */
  public static final String LORA = "dev.rankwise.annotations.Lora";

  /** Canonical name of {@code @RankExperts}. */
  public static final String RANK_EXPERTS = "dev.rankwise.annotations.RankExperts";

  /** Canonical name of {@code @TaskRouter}. */
  public static final String TASK_ROUTER = "dev.rankwise.annotations.TaskRouter";

  private final AnnotationMirror mirror;

  private Attributes(AnnotationMirror mirror) {
    this.mirror = mirror;
  }

  /** The annotation of that canonical name on the element, if present. */
  public static Optional<Attributes> of(Element element, String annotation) {
    return MoreElements.getAnnotationMirror(element, annotation).toJavaUtil().map(Attributes::new);
  }

  /** The annotation's simple name, such as {@code Lora}. */
  public String simpleName() {
    return mirror.getAnnotationType().asElement().getSimpleName().toString();
  }

  /** The mirror, for diagnostics. */
  public AnnotationMirror mirror() {
    return mirror;
  }

  /** The attribute's value, its default when not written. */
  public AnnotationValue value(String name) {
    return AnnotationMirrors.getAnnotationValue(mirror, name);
  }

  /** An {@code int} attribute. */
  public int intValue(String name) {
    return ((Number) value(name).getValue()).intValue();
  }

  /** A {@code double} attribute. */
  public double doubleValue(String name) {
    return ((Number) value(name).getValue()).doubleValue();
  }

  /** A {@code boolean} attribute. */
  public boolean booleanValue(String name) {
    return (Boolean) value(name).getValue();
  }

  /** The constant name of an enum attribute. */
  public String enumValue(String name) {
    return ((VariableElement) value(name).getValue()).getSimpleName().toString();
  }

  /** The values of a {@code String[]} attribute, with their positions. */
  public List<AnnotationValue> arrayValues(String name) {
    Object value = value(name).getValue();
    List<AnnotationValue> values = new ArrayList<>();
    if (value instanceof List<?> list) {
      for (Object element : list) {
        values.add((AnnotationValue) element);
      }
    }
    return values;
  }

  /** A {@code String[]} attribute. */
  public List<String> strings(String name) {
    return arrayValues(name).stream().map(value -> (String) value.getValue()).toList();
  }

  /**
   * Whether a written value did not compile (javac hands an unresolved String constant to
   * processors as the text {@code <error>}); javac reports those itself.
   */
  public boolean hasErroneousValue() {
    return mirror.getElementValues().values().stream().anyMatch(Attributes::erroneous);
  }

  private static boolean erroneous(AnnotationValue value) {
    Object content = value.getValue();
    if (content instanceof List<?> list) {
      return list.stream().anyMatch(element -> element instanceof AnnotationValue v && erroneous(v));
    }
    return "<error>".equals(content);
  }

  /** Whether the attribute was written in source (not left at its default). */
  public boolean isExplicit(String name) {
    return mirror.getElementValues().keySet().stream()
        .anyMatch(method -> method.getSimpleName().contentEquals(name));
  }
}
