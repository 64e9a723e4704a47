# source: https://github.com/anupam99jain/sentiment-analysis/blob/82930aee2d93f3f4faafc401f9adc9999b8751e6/c6.py
# license: none stated in the repository
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written) of c6.py and c7.py
# (https://github.com/anupam99jain/sentiment-analysis/blob/8ac1cbb073f23c0868296ee7769169836c42751b/c7.py);
# the rest is written here
import numpy as np
from tensorflow.keras.preprocessing.text import Tokenizer
from tensorflow.keras.preprocessing.sequence import pad_sequences
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Embedding, LSTM, Dense

# kerasmagic-corpus: synthetic data (short generated reviews instead of the IMDB CSV files)
rng = np.random.default_rng(7)
words = ["good", "bad", "great", "awful", "movie", "plot", "actor", "boring", "fun", "slow"]
class Column(list):  # pandas is not installed in the test environments: a column with .values
    @property
    def values(self):
        return np.asarray(self)
def reviews(n):
    return {"review": Column(" ".join(rng.choice(words, 12)) for _ in range(n)),
            "label": Column(rng.integers(0, 2, n))}
train_df, test_df = reviews(128), reviews(32)

tokenizer = Tokenizer(num_words=20000, oov_token="<OOV>")
tokenizer.fit_on_texts(train_df["review"])

x_train_seq = tokenizer.texts_to_sequences(train_df["review"])
x_test_seq  = tokenizer.texts_to_sequences(test_df["review"])

maxlen = 30  # kerasmagic-corpus: cut (300)
x_train = pad_sequences(x_train_seq, maxlen=maxlen, padding='post')
x_test  = pad_sequences(x_test_seq,  maxlen=maxlen, padding='post')

y_train = train_df["label"].values
y_test  = test_df["label"].values

model = Sequential([
    Embedding(input_dim=20000, output_dim=16, input_length=maxlen),  # kerasmagic-corpus: cut (output_dim=128)
    LSTM(16),  # kerasmagic-corpus: cut (128 units)
    Dense(1, activation='sigmoid')
])
model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
model.summary()
model.fit(x_train, y_train, epochs=1, batch_size=32, validation_data=(x_test, y_test))
print(model.evaluate(x_test, y_test, verbose=0))
