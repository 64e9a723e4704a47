# source: https://github.com/melisaaltinyelek/IANNwTF_Project/blob/8f9ffec13370c3ab146ce2f663d21f0f3151b989/LSTM_example.py
# license: none stated in the repository
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras.layers import LSTM

length = 10
sequence = [i / float(length) for i in range(length)]
# kerasmagic-corpus: synthetic data: the author's pandas DataFrame/concat/shift(1)/dropna pairs
# (x[t], x[t-1]), built with numpy (pandas is not installed in the test environments)
values = np.column_stack([sequence[1:], sequence[:-1]])
X, y = values[:, 0], values[:, 1]
X = X.reshape(3, 3, 1)
y = y.reshape(3, 3, 1)

n_batch = 1
n_epoch = 5  # kerasmagic-corpus: cut (100)
n_neurons = 10

model = Sequential()
model.add(LSTM(n_neurons, batch_input_shape=(n_batch, X.shape[1], X.shape[2]), stateful=True))
model.add(Dense(1))
model.compile(loss='mean_squared_error', optimizer='adam')
for i in range(n_epoch):
    model.fit(X, y, epochs=1, batch_size=n_batch, verbose=1, shuffle=False)
    model.reset_states()
print('prediction', model.predict(X, batch_size=n_batch).ravel())
