# source: https://github.com/PacktPublishing/Advanced-Deep-Learning-with-Keras/blob/2c7c0c5ed9f8f291bb3d4b37fefacf7c0758b8c4/chapter8-vae/vae-mlp-mnist-8.1.1.py
# license: MIT
# kerasmagic-corpus: rebuilt around the author's Keras calls (kept as written); the rest is written here
import numpy as np
from keras.layers import Lambda, Input, Dense
from keras.models import Model
from keras.losses import mse, binary_crossentropy
from keras import backend as K


def sampling(args):
    z_mean, z_log_var = args
    batch = K.shape(z_mean)[0]
    dim = K.int_shape(z_mean)[1]
    epsilon = K.random_normal(shape=(batch, dim))
    return z_mean + K.exp(0.5 * z_log_var) * epsilon


# kerasmagic-corpus: synthetic data (MNIST-shaped arrays instead of mnist.load_data())
rng = np.random.default_rng(0)
x_train = rng.integers(0, 256, (256, 28, 28), dtype=np.uint8)
x_test = rng.integers(0, 256, (64, 28, 28), dtype=np.uint8)
y_test = rng.integers(0, 10, (64,), dtype=np.uint8)

image_size = x_train.shape[1]
original_dim = image_size * image_size
x_train = np.reshape(x_train, [-1, original_dim]).astype('float32') / 255
x_test = np.reshape(x_test, [-1, original_dim]).astype('float32') / 255

input_shape = (original_dim, )
intermediate_dim = 64  # kerasmagic-corpus: cut (512)
batch_size = 128
latent_dim = 2
epochs = 1  # kerasmagic-corpus: cut (50)

inputs = Input(shape=input_shape, name='encoder_input')
x = Dense(intermediate_dim, activation='relu')(inputs)
z_mean = Dense(latent_dim, name='z_mean')(x)
z_log_var = Dense(latent_dim, name='z_log_var')(x)
z = Lambda(sampling, output_shape=(latent_dim,), name='z')([z_mean, z_log_var])
encoder = Model(inputs, [z_mean, z_log_var, z], name='encoder')
encoder.summary()

latent_inputs = Input(shape=(latent_dim,), name='z_sampling')
x = Dense(intermediate_dim, activation='relu')(latent_inputs)
outputs = Dense(original_dim, activation='sigmoid')(x)
decoder = Model(latent_inputs, outputs, name='decoder')

outputs = decoder(encoder(inputs)[2])
vae = Model(inputs, outputs, name='vae_mlp')

reconstruction_loss = binary_crossentropy(inputs, outputs)
reconstruction_loss *= original_dim
kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)
kl_loss = K.sum(kl_loss, axis=-1)
kl_loss *= -0.5
vae_loss = K.mean(reconstruction_loss + kl_loss)
vae.add_loss(vae_loss)
vae.compile(optimizer='adam')
vae.fit(x_train, epochs=epochs, batch_size=batch_size, validation_data=(x_test, None))
vae.save_weights('vae_mlp_mnist.h5')

z_mean_test, _, _ = encoder.predict(x_test, batch_size=batch_size)
print('latent means', z_mean_test.shape, 'labels', y_test.shape)
