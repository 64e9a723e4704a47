# source: https://github.com/afshinea/keras-data-generator/blob/866cce89f7737866acea567b34bc0997f1bc1531/keras_script.py
# license: none stated in the repository
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written) of keras_script.py and
# my_classes.py (same revision); the rest is written here
import numpy as np
import keras
from keras.models import Sequential
from keras.layers import Conv3D, GlobalAveragePooling3D, Dense


class DataGenerator(keras.utils.Sequence):
    'Generates data for Keras'
    def __init__(self, list_IDs, labels, batch_size=32, dim=(32,32,32), n_channels=1,
                 n_classes=10, shuffle=True):
        self.dim = dim
        self.batch_size = batch_size
        self.labels = labels
        self.list_IDs = list_IDs
        self.n_channels = n_channels
        self.n_classes = n_classes
        self.shuffle = shuffle
        self.on_epoch_end()

    def __len__(self):
        return int(np.floor(len(self.list_IDs) / self.batch_size))

    def __getitem__(self, index):
        indexes = self.indexes[index*self.batch_size:(index+1)*self.batch_size]
        list_IDs_temp = [self.list_IDs[k] for k in indexes]
        X, y = self.__data_generation(list_IDs_temp)
        return X, y

    def on_epoch_end(self):
        self.indexes = np.arange(len(self.list_IDs))
        if self.shuffle == True:
            np.random.shuffle(self.indexes)

    def __data_generation(self, list_IDs_temp):
        X = np.empty((self.batch_size, *self.dim, self.n_channels))
        y = np.empty((self.batch_size), dtype=int)
        for i, ID in enumerate(list_IDs_temp):
            # kerasmagic-corpus: synthetic data (instead of np.load('data/' + ID + '.npy'))
            X[i,] = np.random.rand(*self.dim, self.n_channels)
            y[i] = self.labels[ID]
        return X, keras.utils.to_categorical(y, num_classes=self.n_classes)


params = {'dim': (8,8,8),  # kerasmagic-corpus: cut ((32,32,32))
          'batch_size': 4,  # kerasmagic-corpus: cut (64)
          'n_classes': 6,
          'n_channels': 1,
          'shuffle': True}

partition = {'train': ['id-%d' % i for i in range(1, 13)], 'validation': ['id-13', 'id-14', 'id-15', 'id-16']}
labels = {'id-%d' % i: i % 6 for i in range(1, 17)}

training_generator = DataGenerator(partition['train'], labels, **params)
validation_generator = DataGenerator(partition['validation'], labels, **params)

model = Sequential()
# kerasmagic-corpus: the published script elides the architecture ("[...] # Architecture"); a small one
model.add(Conv3D(4, 3, activation='relu', input_shape=(8, 8, 8, 1)))
model.add(GlobalAveragePooling3D())
model.add(Dense(6, activation='softmax'))
model.compile(loss='categorical_crossentropy', optimizer='adam')

model.fit_generator(generator=training_generator,
                    validation_data=validation_generator,
                    use_multiprocessing=True,
                    workers=6)
print('trained on', len(training_generator), 'batches')
