# source: https://github.com/stejs0303/HandWritings/blob/34b98bcf349322f56e7cb743e5fab4f5a18e59d9/Handwriting_scripts/siamese_model.py
# license: none stated in the repository
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written) of siamese_model.py,
# layer_functions.py and config.py (87bc45631a645229cda095abeaa09f62329e6b19) and train_model.py
# (85fb417aaf2a4ea0f1551fb3edc87d9d941b0e96); the rest is written here
import os
import numpy as np
import keras.backend as K
import tensorflow as tf
import keras
from keras.layers import Conv2D, Input, Reshape, BatchNormalization, ReLU, MaxPooling2D, Flatten, Dense, Lambda
from keras.initializers import RandomNormal  # kerasmagic-corpus: Keras 2.15 path (the original: keras.initializers.initializers_v2)
from keras.models import Sequential, Model
from keras.regularizers import L2
from keras import metrics
from keras.callbacks import ModelCheckpoint

WIDTH = 60  # kerasmagic-corpus: cut (750)
HEIGHT = 24  # kerasmagic-corpus: cut (256)
ADAM = tf.keras.optimizers.Adam(learning_rate=0.0001,
                                beta_1=0.9,
                                beta_2=0.999,
                                epsilon=1e-7,
                                amsgrad=False,
                                clipvalue=0.5,
                                )


def euclidian_distance(vectors):
    featuresA, featuresB = vectors
    sumSquared = K.sum(K.square(featuresA - featuresB), axis=1, keepdims=True)
    return K.sqrt(K.maximum(sumSquared, K.epsilon()))


def contrastive_loss(y, preds, margin=1):
    y = tf.cast(y, preds.dtype)
    squaredPreds = K.square(preds)
    squaredMargin = K.square(K.maximum(margin - preds, 0))
    loss = K.mean(y * squaredPreds + (1 - y) * squaredMargin)
    return loss


def create_siamese_euclid_dist():
    img_a_input = Input((HEIGHT, WIDTH), name="img_a_input")
    img_b_input = Input((HEIGHT, WIDTH), name="img_b_input")
    cnn = Sequential([Reshape((HEIGHT, WIDTH, 1)),
                      Conv2D(8, kernel_size=3, strides=1,
                             kernel_initializer=RandomNormal(seed=1),
                             kernel_regularizer=L2(0.001)),
                      BatchNormalization(),
                      ReLU(),
                      MaxPooling2D(pool_size=(2, 2), strides=(2, 2)),
                      Flatten(),
                      ])  # kerasmagic-corpus: one conv block instead of four (64-512 filters)
    feature_vector_A = cnn(img_a_input)
    feature_vector_B = cnn(img_b_input)
    distance = Lambda(euclidian_distance)([feature_vector_A, feature_vector_B])
    output = Dense(1, activation="sigmoid")(distance)
    model = Model(
        inputs=[img_a_input, img_b_input], outputs=output, name="default_ED-CL"
    )
    model.compile(loss=contrastive_loss,
                  optimizer=ADAM,
                  metrics=[metrics.TruePositives(name="TPos"),
                           metrics.FalseNegatives(name="FNeg"),
                           metrics.TrueNegatives(name="TNeg"),
                           metrics.FalsePositives(name="FPos")]
                  )
    return model


class DataLoader(keras.utils.Sequence):
    # kerasmagic-corpus: synthetic data (pairs of random "handwriting" images instead of the dataset on disk)
    def __init__(self, n_batches, batch_size=8):
        self.n_batches, self.batch_size = n_batches, batch_size

    def __len__(self):
        return self.n_batches

    def __getitem__(self, index):
        a = np.random.rand(self.batch_size, HEIGHT, WIDTH).astype("float32")
        b = np.random.rand(self.batch_size, HEIGHT, WIDTH).astype("float32")
        same = np.random.randint(0, 2, (self.batch_size, 1)).astype("float32")
        return (a, b), same


model = create_siamese_euclid_dist()
model.summary()
os.makedirs("Models", exist_ok=True)
model.save("Models/" + f"{model.name}.h5")

training_generator = DataLoader(4)
validation_generator = DataLoader(2)
name = model.name.split("/")
os.makedirs(f"Models/{name[0]}", exist_ok=True)
path = f"Models/{name[0]}/epoch_"
training_history = model.fit(
    training_generator,
    validation_data=validation_generator,
    initial_epoch=0,
    epochs=1,
    verbose=1,
    shuffle=True,
    callbacks=ModelCheckpoint(filepath=path+"{epoch:02d}.h5",
                              monitor="val_loss",
                              verbose=1,
                              save_best_only=False))
for key, values in training_history.history.items():
    print(f"{key}: {values}")
