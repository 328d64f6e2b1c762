"""Metrics against hand-computed values and their edge-case conventions."""

import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.train import metrics as M

# A 3-class example where class 2 is never predicted.
TARGET = np.array([0, 0, 1, 1, 2, 2])
PRED = np.array([0, 1, 1, 1, 0, 0])
# confusion matrix rows=true: [[1,1,0],[0,2,0],[2,0,0]]
# tp=[1,2,0] fp=[2,1,0] fn=[1,0,2]


def test_confusion_matrix_rows_true_cols_pred():
    cm = M.confusion_matrix(PRED, TARGET, num_classes=3)
    assert cm.tolist() == [[1, 1, 0], [0, 2, 0], [2, 0, 0]]
    assert cm.dtype == np.int64


def test_precision_recall_f1_per_class_with_never_predicted_class():
    np.testing.assert_allclose(M.precision(PRED, TARGET, average=None), [1 / 3, 2 / 3, 0.0])
    np.testing.assert_allclose(M.recall(PRED, TARGET, average=None), [1 / 2, 1.0, 0.0])
    np.testing.assert_allclose(M.f1_score(PRED, TARGET, average=None), [2 / 5, 4 / 5, 0.0])


def test_macro_vs_micro_f1_hand_example():
    assert M.f1_score(PRED, TARGET, average="macro") == pytest.approx((0.4 + 0.8 + 0.0) / 3)
    assert M.precision(PRED, TARGET, average="macro") == pytest.approx(1 / 3)
    assert M.recall(PRED, TARGET, average="macro") == pytest.approx(1 / 2)
    # micro pools tp=3, fp=3, fn=3: for single-label multiclass it equals accuracy
    for fn in (M.precision, M.recall, M.f1_score):
        assert fn(PRED, TARGET, average="micro") == pytest.approx(0.5)
    assert M.accuracy(PRED, TARGET) == pytest.approx(0.5)


def test_weighted_average_uses_true_support():
    target = np.array([0, 0, 0, 1])
    pred = np.array([0, 0, 1, 1])
    # recall per class [2/3, 1], support [3, 1] -> (2 + 1) / 4
    assert M.recall(pred, target, average="weighted") == pytest.approx(0.75)
    # precision per class [1, 1/2] -> (3 * 1 + 1 * 0.5) / 4
    assert M.precision(pred, target, average="weighted") == pytest.approx(3.5 / 4)


def test_macro_skips_classes_absent_from_target_and_pred():
    # num_classes=5 but classes 3 and 4 never occur: they don't drag macro down (like sklearn)
    assert M.precision(PRED, TARGET, num_classes=5) == pytest.approx(1 / 3)
    per_class = M.precision(PRED, TARGET, num_classes=5, average=None)
    assert per_class.shape == (5,)


def test_classification_metrics_take_logits():
    logits = np.eye(3)[PRED] * 5.0 - 1.0
    assert M.f1_score(logits, TARGET) == pytest.approx(0.4)
    assert M.confusion_matrix(logits, TARGET).tolist() == [[1, 1, 0], [0, 2, 0], [2, 0, 0]]


def test_binary_precision_recall_f1():
    prob = np.array([0.9, 0.8, 0.3, 0.6, 0.1])
    target = np.array([1, 0, 1, 1, 0])
    # predicted [1,1,0,1,0]: tp=2, fp=1, fn=1
    assert M.precision(prob, target, task="binary") == pytest.approx(2 / 3)
    assert M.recall(prob, target, task="binary") == pytest.approx(2 / 3)
    assert M.f1_score(prob, target, task="binary") == pytest.approx(2 / 3)
    assert M.precision(prob, target, task="binary", threshold=0.85) == pytest.approx(1.0)
    assert M.recall(prob, target, task="binary", threshold=0.85) == pytest.approx(1 / 3)


def test_binary_never_predicting_positive_gives_zero_precision():
    assert M.precision([0.1, 0.2], [1, 0], task="binary") == 0.0
    assert M.f1_score([0.1, 0.2], [1, 0], task="binary") == 0.0


def test_accuracy_multiclass_argmax_and_class_ids():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 0.5], [0.0, 0.0, 9.0]])
    target = np.array([0, 2, 0, 2])
    assert M.accuracy(logits, target) == pytest.approx(3 / 4)
    assert M.accuracy(np.array([0, 1, 0, 2]), target) == pytest.approx(3 / 4)
    # float targets holding whole numbers are accepted
    assert M.accuracy(logits, target.astype(np.float32)) == pytest.approx(3 / 4)


def test_top_k_accuracy():
    scores = np.array([[0.5, 0.3, 0.2], [0.1, 0.2, 0.7], [0.3, 0.4, 0.3 - 1e-3]])
    target = np.array([1, 0, 2])
    # top-1 picks [0, 2, 1]: all wrong. top-2 sets {0,1}, {2,1}, {1,0}: only row 0 hits
    assert M.accuracy(scores, target, top_k=1) == 0.0
    assert M.accuracy(scores, target, top_k=2) == pytest.approx(1 / 3)
    assert M.accuracy(scores, target, top_k=3) == 1.0
    assert M.Accuracy(top_k=2).name == "top_2_accuracy"
    assert M.Accuracy().name == "accuracy"


def test_accuracy_binary_probabilities_and_logits():
    prob = np.array([0.2, 0.7, 0.5, 0.4])
    target = np.array([0, 1, 0, 1])
    # threshold 0.5 (inclusive): predicted [0, 1, 1, 0]
    assert M.accuracy(prob, target, task="binary") == pytest.approx(0.5)
    logits = np.array([-3.0, 2.0, 0.1, 0.1])  # predicted [0, 1, 1, 1]
    assert M.accuracy(logits, target, task="binary", from_logits=True) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="from_logits=True"):
        M.accuracy(logits, target, task="binary")


def test_accuracy_on_sequence_logits():
    logits = np.zeros((2, 3, 4))
    target = np.array([[0, 1, 2], [3, 0, 1]])
    logits[0, 0, 0] = logits[0, 1, 1] = logits[1, 0, 3] = 1.0
    # argmax per token [[0, 1, 0], [3, 0, 0]] (all-zero rows pick class 0): 4 of 6 right
    assert M.accuracy(logits, target) == pytest.approx(4 / 6)


def test_multi_batch_accumulation_equals_single_batch():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(50, 4))
    target = rng.integers(0, 4, size=50)
    y = rng.normal(size=50)
    y_hat = y + rng.normal(scale=0.5, size=50)
    cases = [
        (M.Accuracy(), logits, target),
        (M.Accuracy(top_k=2), logits, target),
        (M.F1Score(average="macro"), logits, target),
        (M.Precision(average="weighted"), logits, target),
        (M.Recall(average=None), logits, target),
        (M.Perplexity(), logits, target),
        (M.MeanSquaredError(), y_hat, y),
        (M.MeanAbsoluteError(), y_hat, y),
        (M.R2Score(), y_hat, y + 100.0),
    ]
    for metric, pred, tgt in cases:
        metric.update(pred, tgt)
        whole = metric.compute()
        metric.reset()
        for lo, hi in [(0, 7), (7, 8), (8, 31), (31, 50)]:
            metric.update(pred[lo:hi], tgt[lo:hi])
        np.testing.assert_allclose(metric.compute(), whole, rtol=1e-12, err_msg=metric.name)


def test_batch_averages_are_not_averaged():
    m = M.Accuracy()
    m.update([1, 1, 1], [1, 1, 1])  # 3/3
    m.update([0], [1])  # 0/1
    assert m.compute() == pytest.approx(3 / 4)  # not (1 + 0) / 2


def test_regression_metrics_hand_values():
    pred = np.array([2.5, 0.0, 2.0, 8.0])
    target = np.array([3.0, -0.5, 2.0, 7.0])
    assert M.mean_squared_error(pred, target) == pytest.approx((0.25 + 0.25 + 0 + 1) / 4)
    assert M.mean_absolute_error(pred, target) == pytest.approx((0.5 + 0.5 + 0 + 1) / 4)
    # ss_res = 1.5, mean(target) = 2.875, ss_tot = 29.1875
    assert M.r2_score(pred, target) == pytest.approx(1 - 1.5 / 29.1875)


def test_r2_multioutput_is_uniform_average():
    target = np.array([[0.5, 1.0], [-1.0, 1.0], [7.0, -6.0]])
    pred = np.array([[0.0, 2.0], [-1.0, 2.0], [8.0, -5.0]])
    per_column = [1 - ((pred[:, j] - target[:, j]) ** 2).sum()
                  / ((target[:, j] - target[:, j].mean()) ** 2).sum() for j in range(2)]
    assert M.r2_score(pred, target) == pytest.approx(np.mean(per_column))


def test_r2_all_targets_equal_follows_sklearn_force_finite():
    target = np.full(4, 0.1)  # 0.1 is inexact in binary: a variance test would see ~1e-35
    assert M.r2_score(target.copy(), target) == 1.0
    assert M.r2_score(target + 0.01, target) == 0.0
    m = M.R2Score()
    m.update([0.1, 0.1], [0.1, 0.1])
    m.update([0.1], [0.1])
    assert m.compute() == 1.0


def test_r2_needs_two_samples():
    with pytest.raises(ValueError, match="at least 2"):
        M.r2_score([1.0], [2.0])


def test_perplexity_uniform_logits_equals_num_classes():
    assert M.perplexity(np.zeros((6, 7)), np.arange(6)) == pytest.approx(7.0)
    assert M.perplexity(np.full((2, 3, 5), 4.2), np.zeros((2, 3), int)) == pytest.approx(5.0)


def test_perplexity_hand_value_and_stability():
    logits = np.array([[1000.0, 0.0], [0.0, 1000.0 + math.log(3.0)]])
    # nll row0 = log(1 + e^-1000) ~ 0; row1 with target 0: lse - 0 = 1000 + log 3
    target = np.array([0, 0])
    expected = math.exp((1000.0 + math.log(3.0)) / 2)
    assert M.perplexity(logits, target) == pytest.approx(expected, rel=1e-12)
    p = np.array([[0.5, 0.25, 0.25]])
    assert M.perplexity(np.log(p), [1]) == pytest.approx(4.0)


def test_perplexity_ignore_index():
    logits = np.log(np.array([[[0.5, 0.5], [0.9, 0.1], [0.25, 0.75]]]))
    target = np.array([[0, -100, 1]])
    expected = math.exp(-(math.log(0.5) + math.log(0.75)) / 2)
    assert M.perplexity(logits, target) == pytest.approx(expected)
    assert M.perplexity(logits, np.array([[0, 7, 1]]), ignore_index=7) == pytest.approx(expected)
    m = M.Perplexity()
    m.update(logits[:, 1:2], np.array([[-100]]))
    with pytest.raises(ValueError, match="no samples"):
        m.compute()


def test_mean_is_weighted_running_mean():
    m = M.Mean("loss")
    assert m.name == "loss"
    m.update(2.0, weight=3)
    m.update(mg.tensor(np.float32(4.0)))
    assert m.compute() == pytest.approx(2.5)
    m.reset()
    m.update(np.array([1.0, 2.0, 6.0]))
    assert m.compute() == pytest.approx(3.0)


def test_accepts_tensor_like_inputs_and_computes_in_float64():
    pred = mg.tensor(np.array([1.0, 2.0], dtype=np.float32))
    target = mg.tensor(np.array([1.5, 2.0], dtype=np.float16))
    assert M.mean_squared_error(pred, target) == 0.125
    assert M.accuracy(mg.tensor(np.eye(2)), mg.tensor(np.array([0, 1]))) == 1.0
    assert isinstance(M.accuracy([0, 1], [0, 1]), float)


def test_compute_before_update_raises():
    for metric in (M.Accuracy(), M.Precision(), M.ConfusionMatrix(2), M.MeanSquaredError(),
                   M.R2Score(), M.Perplexity(), M.Mean()):
        with pytest.raises(ValueError, match="no samples"):
            metric.compute()


def test_reset_clears_state():
    m = M.ConfusionMatrix(3)
    m.update(PRED, TARGET)
    m.reset()
    m.update([1], [1])
    assert m.compute().sum() == 1


def test_names_are_log_keys():
    names = {cls().name for cls in (M.Accuracy, M.MeanSquaredError, M.MeanAbsoluteError,
                                    M.R2Score, M.Precision, M.Recall, M.F1Score, M.Perplexity)}
    assert names == {"accuracy", "mse", "mae", "r2", "precision", "recall", "f1", "perplexity"}
    assert M.F1 is M.F1Score
    assert M.Accuracy(name="acc").name == "acc"


@pytest.mark.parametrize(
    "call, pattern",
    [
        (lambda: M.accuracy(np.zeros((4, 3)), np.zeros(5)), r"Accuracy.*\(4, 3\).*\(5,\)"),
        (lambda: M.mean_squared_error(np.zeros((4, 1)), np.zeros(4)),
         r"MeanSquaredError.*\(4, 1\).*\(4,\)"),
        (lambda: M.r2_score(np.zeros((2, 2, 2)), np.zeros((2, 2, 2))), r"R2Score.*\(2, 2, 2\)"),
        (lambda: M.perplexity(np.zeros(4), np.zeros(4, int)), r"Perplexity.*\(4,\)"),
        (lambda: M.perplexity(np.zeros((2, 3)), [0, 3]), r"Perplexity.*class id 3"),
        (lambda: M.confusion_matrix([0, 1], [0, 3], num_classes=3),
         r"ConfusionMatrix.*class id 3.*num_classes=3"),
        (lambda: M.f1_score(np.zeros((2, 3)), [0, 1], num_classes=4),
         r"F1Score.*3 classes.*num_classes=4"),
        (lambda: M.accuracy(np.zeros((2, 3)), [0, 5]), r"Accuracy.*class id 5"),
        (lambda: M.accuracy(np.zeros((2, 3)), [0, -1]), r"Accuracy.*negative"),
        (lambda: M.accuracy([0, 1], [0, 1], top_k=2), r"top_k > 1 needs scores"),
        (lambda: M.accuracy(np.zeros((2, 3)), [0, 1], top_k=4), r"top_k=4 exceeds"),
        (lambda: M.accuracy([0.5, 1.5], [0, 1]), r"integer class ids"),
        (lambda: M.accuracy(np.zeros((2, 2)), [0, 1], task="binary"), r"same shape"),
        (lambda: M.accuracy([0.1, 0.9], [0, 2], task="binary"), r"0 or 1"),
        (lambda: M.accuracy(np.zeros(3), 1), r"at least 1 dimension"),
        (lambda: M.precision([0], [0], average="samples"), r"average must be"),
        (lambda: M.Accuracy(task="multilabel"), r"task must be"),
    ],
)
def test_bad_input_raises_value_error_naming_metric(call, pattern):
    with pytest.raises(ValueError, match=pattern):
        call()


def test_non_numeric_input_is_type_error():
    with pytest.raises(TypeError, match="numeric"):
        M.mean_squared_error(["a"], ["b"])


def test_confusion_matrix_grows_without_num_classes():
    m = M.ConfusionMatrix()
    m.update([0, 1], [0, 1])
    m.update([3], [2])
    assert m.compute().tolist() == [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1], [0, 0, 0, 0]]
