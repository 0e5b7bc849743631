"""The segment layout every preprocessor and the pretraining builder pack with."""

import numpy as np
import pytest

from keras_bert_zoo.text.packer import SegmentLayout

tf = pytest.importorskip("tensorflow")

BERT = SegmentLayout(start_id=101, end_id=102)
ROBERTA = SegmentLayout(start_id=0, end_id=2, between_ids=(2,))


@pytest.mark.parametrize("layout, pair, single", [
    (BERT, ([101, 7, 8, 102, 9, 102], [0, 0, 0, 0, 1, 1]), ([101, 7, 8, 102], [0, 0, 0, 0])),
    (ROBERTA, ([0, 7, 8, 2, 2, 9, 2], [0, 0, 0, 0, 0, 1, 1]), ([0, 7, 8, 2], [0, 0, 0, 0])),
], ids=["bert", "roberta"])
def test_lists_and_ragged_batches_pack_the_same_layout(layout, pair, single):
    assert layout.pack_lists([[7, 8], [9]]) == pair
    assert layout.pack_lists([[7, 8]]) == single
    assert layout.special_tokens(2) == len(pair[0]) - 3 and layout.special_tokens(1) == 2
    assert pair[0][layout.segment_start(1, first_length=2)] == 9 and single[0][layout.segment_start(0)] == 7
    a, b = tf.ragged.constant([[7, 8], []], tf.int32), tf.ragged.constant([[9], [5, 6]], tf.int32)
    token_ids, segment_ids = layout.pack_ragged([a, b])
    expected = [layout.pack_lists([[7, 8], [9]]), layout.pack_lists([[], [5, 6]])]
    assert token_ids.to_list() == [ids for ids, _ in expected]
    assert segment_ids.to_list() == [segments for _, segments in expected]
    assert token_ids.dtype == tf.int32 and segment_ids.dtype == tf.int32
    np.testing.assert_array_equal(layout.pack_ragged([a])[0].to_list()[1], [layout.start_id, layout.end_id])
